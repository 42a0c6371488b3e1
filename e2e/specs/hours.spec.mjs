// Story: the phone channel says whether it is open now, in the merchant's time zone
// (Asia/Shanghai), whatever zone the shopper's browser is in.
import { byTestId, expect, openWidget, test } from "../fixtures.mjs";

test.use({ timezoneId: "America/New_York", locale: "en-US" });

const cases = [
  // 10:00 on Monday in Shanghai is 21:00 on Sunday in New York.
  { at: "2026-11-30T02:00:00Z", status: /^Open now · until today at 21:00 \(.+\)$/, open: true },
  // 22:30 in Shanghai: closed, opens tomorrow at 09:00, in 10 h 30 min.
  { at: "2026-11-30T14:30:00Z", status: /^Closed · opens tomorrow at 09:00 \(.+, in 10 h 30 min\)$/, open: false },
  // 08:15 in Shanghai: opens today.
  { at: "2026-11-30T00:15:00Z", status: /^Closed · opens today at 09:00 \(.+, in 45 min\)$/, open: false },
];

for (const { at, status, open } of cases) {
  test(`phone status at ${at}`, async ({ page, assets }) => {
    await page.clock.setFixedTime(new Date(at));
    await page.goto(assets.url);
    await page.getByRole("button", { name: "English" }).click();
    await openWidget(page);
    const line = byTestId(page, "phone-status");
    await expect(line).toHaveText(status);
    await expect(line).toHaveClass(open ? /ac-status--open/ : /ac-status--closed/);
    // The browser really is elsewhere: its own clock reads a different hour.
    const hereHour = await page.evaluate(() => new Date().getHours());
    expect(hereHour).not.toBe(new Date(at).getUTCHours() + 8);
  });
}
