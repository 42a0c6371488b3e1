// The benches' command line: flags (`--quick`, `--no-build`) and numeric options (`--runs 7`).
const args = process.argv.slice(2);
export const flag = (name) => args.includes(`--${name}`);
export const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
/** The test command runs every bench with --quick (tiny sizes, one run), so none can rot. */
export const quick = flag("quick");
