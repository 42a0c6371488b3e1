"""Evidence uploads from tuspy, a tus client we did not write, against the real server.

Run by scripts/test in a virtualenv with tuspy (and moto). Needs AFTERCARE_SERVER_BIN
and exiftool (Debian's libimage-exiftool-perl). Checks: chunked uploads with the
checksum extension, a cut upload resumed by a fresh client, sha256 of stored videos,
and that photos and MP4s come out without location metadata.
"""
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import unittest
import urllib.request

from tusclient import client

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "fixtures")
ORDER = "20261128-0042"


class Backend:
    def __init__(self):
        self.data_dir = tempfile.mkdtemp(prefix="aftercare-tuspy-")
        self.process = subprocess.Popen(
            [os.environ["AFTERCARE_SERVER_BIN"], "serve", "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0", "--data-dir", self.data_dir,
             "--static-dir", os.path.join(self.data_dir, "none")],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        self.origin = self.process.stdout.readline().strip()

    def token(self, shopper):
        with urllib.request.urlopen(f"{self.origin}/demo/token?order={ORDER}&shopper={shopper}") as response:
            return json.load(response)["token"]

    def download(self, token, url):
        upload_id = url.rstrip("/").split("/")[-1]
        request = urllib.request.Request(f"{self.origin}/v1/uploads/{upload_id}/link", headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request) as response:
            link = json.load(response)["url"]
        with urllib.request.urlopen(self.origin + link) as response:
            return response.headers.get("Content-Type"), response.read()

    def close(self):
        self.process.terminate()
        self.process.wait(timeout=10)
        shutil.rmtree(self.data_dir, ignore_errors=True)


def exif(path, *tags):
    output = subprocess.run(["exiftool", "-j", "-n", *tags, path], capture_output=True, text=True, check=True).stdout
    return json.loads(output)[0]


class TuspyUploads(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.backend = Backend()

    @classmethod
    def tearDownClass(cls):
        cls.backend.close()

    def uploader(self, token, path, filetype, **options):
        tus = client.TusClient(f"{self.backend.origin}/v1/uploads/", headers={"Authorization": f"Bearer {token}"})
        return tus.uploader(path, metadata={"filename": os.path.basename(path), "filetype": filetype}, **options)

    def test_video_with_checksums_is_stored_byte_for_byte(self):
        token = self.backend.token("tuspy-video")
        with tempfile.NamedTemporaryFile(suffix=".mp4") as video:
            # A real MP4 (without its location box) grown by a 2 MiB top-level `skip` box.
            with open(os.path.join(FIXTURES, "located.mp4"), "rb") as fixture:
                clean = fixture.read().replace(b"\xa9xyz", b"free")
            filler = hashlib.sha256(b"seed").digest() * (2 * 1024 * 1024 // 32)
            payload = clean + (len(filler) + 8).to_bytes(4, "big") + b"skip" + filler
            video.write(payload)
            video.flush()
            uploader = self.uploader(token, video.name, "video/mp4", chunk_size=512 * 1024, upload_checksum=True)
            uploader.upload()
            content_type, stored = self.backend.download(token, uploader.url)
        self.assertEqual(content_type, "video/mp4")
        self.assertEqual(hashlib.sha256(stored).hexdigest(), hashlib.sha256(payload).hexdigest())

    def test_a_cut_upload_is_finished_by_a_fresh_client(self):
        token = self.backend.token("tuspy-resume")
        path = os.path.join(FIXTURES, "gps.jpg")
        first = self.uploader(token, path, "image/jpeg", chunk_size=1024)
        first.upload_chunk()
        first.upload_chunk()
        self.assertEqual(first.offset, 2048)
        fresh = self.uploader(self.backend.token("tuspy-resume"), path, "image/jpeg", chunk_size=1024, url=first.url)
        self.assertEqual(fresh.get_offset(), 2048)
        fresh.upload()
        _, stored = self.backend.download(token, fresh.url)
        self.assertTrue(stored.startswith(b"\xff\xd8") and stored.endswith(b"\xff\xd9"))

    def test_photos_and_videos_lose_their_location(self):
        token = self.backend.token("tuspy-privacy")
        for name, filetype in [("gps.jpg", "image/jpeg"), ("located.mp4", "video/mp4")]:
            source = os.path.join(FIXTURES, name)
            self.assertTrue(any("GPS" in key for key in exif(source)), f"{name} has location to start with")
            uploader = self.uploader(token, source, filetype, chunk_size=2048, upload_checksum=True)
            uploader.upload()
            _, stored = self.backend.download(token, uploader.url)
            with tempfile.NamedTemporaryFile(suffix=os.path.splitext(name)[1]) as out:
                out.write(stored)
                out.flush()
                tags = exif(out.name)
                self.assertEqual([key for key in tags if "GPS" in key], [], f"{name}: {tags}")
                if name.endswith(".mp4"):
                    self.assertEqual(len(stored), os.path.getsize(source), "MP4 size unchanged: no re-mux")
                    self.assertGreater(float(exif(out.name, "-Duration")["Duration"]), 0.5, "still a playable movie")
                    self.assertNotIn("Warning", tags)
                else:
                    self.assertNotIn("City", tags)
                    self.assertNotIn("Subject", tags)
                    self.assertEqual((tags["ImageWidth"], tags["ImageHeight"]), (64, 48))


if __name__ == "__main__":
    unittest.main()
