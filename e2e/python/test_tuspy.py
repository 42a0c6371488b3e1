"""Evidence uploads from tuspy, a tus client we did not write, against the real server.

Run by scripts/test in a virtualenv with tuspy (and moto). Needs AFTERCARE_SERVER_BIN
and exiftool (Debian's libimage-exiftool-perl). Checks: chunked uploads with the
checksum extension, a cut upload resumed by a fresh client, sha256 of stored videos,
that photos and videos come out without location metadata in every layout phones
and tools write it (made with exiftool, checked with exiftool and by their bytes), and
that a seller and the platform send evidence with their own keys, as README shows.
"""
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import unittest
import urllib.request
import zlib

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

    def api_key(self, *owner):
        return subprocess.run([os.environ["AFTERCARE_SERVER_BIN"], "api-key", "--data-dir", self.data_dir, *owner],
                              check=True, capture_output=True, text=True).stdout.strip()

    def call(self, method, path, credential, body=None, version=None, key=None):
        headers = {"Authorization": f"Bearer {credential}", "Content-Type": "application/json"}
        if version is not None:
            headers["If-Match"] = f'"{version}"'
        if key is not None:
            headers["Idempotency-Key"] = key
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.origin + path, data=data, method=method, headers=headers)
        with urllib.request.urlopen(request) as response:
            return json.load(response)

    def fetch(self, link):
        with urllib.request.urlopen(self.origin + link) as response:
            return response.read()

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
                # udta becomes free: the server keeps free boxes as they are.
                clean = fixture.read().replace(b"\xa9xyz", b"free").replace(b"udta", b"free")
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

    def test_seller_and_platform_evidence_goes_through_tus_with_their_keys(self):
        """The seller and the platform upload with their API keys (README's tuspy snippet)
        and send the files with messages; what is stored has no location, and the shopper
        sees every party's files."""
        backend = self.backend
        token = backend.token("staff-evidence")
        seller, platform = backend.api_key("--merchant", "demo"), backend.api_key("--platform")
        case = backend.call("POST", "/v1/cases", token, {
            "order_id": ORDER, "item_ids": ["item-1"], "problem_type": "logistics", "reason": "damaged_in_transit",
            "resolution": "return_and_refund", "description": "The box arrived crushed and the lid is bent.",
            "contact": {"name": "Li Lei", "phone": "138 0013 8000"}}, key="staff-evidence-1")
        gps = os.path.join(FIXTURES, "gps.jpg")
        sent = []
        for who, credential, path in [("seller", seller, "merchant"), ("platform", platform, "platform")]:
            if who == "platform":
                case = backend.call("POST", f"/v1/merchant/cases/{case['id']}/refuse", seller,
                                    {"reason": "delivered_intact", "message": "Signed for intact."},
                                    version=case["version"])
                case = backend.call("POST", f"/v1/cases/{case['id']}/escalate", token,
                                    {"reason": "It was dented when I opened it."}, version=case["version"])
            uploader = self.uploader(credential, gps, "image/jpeg", chunk_size=4096)
            uploader.upload()
            upload_id = uploader.url.rsplit("/", 1)[1]
            media = [{"upload_id": upload_id, "kind": "photo"}]
            case = backend.call("POST", f"/v1/{path}/cases/{case['id']}/messages", credential,
                                {"message": f"A photo from the {who}.", "media": media}, version=case["version"])
            self.assertEqual(case["history"][-1]["actor"], who)
            self.assertEqual([{k: m[k] for k in ("upload_id", "kind")} for m in case["history"][-1]["media"]], media)
            sent.append(upload_id)
        detail = backend.call("GET", f"/v1/merchant/cases/{case['id']}", seller)
        links = {link["upload_id"]: link["url"] for link in detail["media_links"]}
        self.assertEqual(sorted(links), sorted(sent))
        for upload_id in sent:
            stored = backend.fetch(links[upload_id])
            with tempfile.NamedTemporaryFile(suffix=".jpg") as out:
                out.write(stored)
                out.flush()
                self.assertEqual([key for key in exif(out.name) if "GPS" in key], [])
        # The shopper's copy of the case links every party's files too.
        shoppers = backend.call("GET", f"/v1/cases/{case['id']}", token)
        linked = [m for event in shoppers["history"] for m in event.get("media", [])]
        self.assertEqual(sorted(m["upload_id"] for m in linked), sorted(sent))
        for reference in linked:
            self.assertEqual(backend.fetch(reference["url"]), backend.fetch(links[reference["upload_id"]]))


def exiftool(*args):
    subprocess.run(["exiftool", "-q", "-overwrite_original", *args], check=True, capture_output=True)


def png_chunk(kind, data):
    return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")


def tiny_png():
    raw = b"".join(b"\0" + b"\xc8\x50\x20" * 8 for _ in range(8))
    ihdr = (8).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(raw)) + png_chunk(b"IEND", b"")


def tiny_webp():
    vp8l = b"\x2f\x03\xc0\x00\x00\x07\x10\x11\x11\x88\x88\xfe\x07\x00"
    body = b"WEBP" + b"VP8L" + len(vp8l).to_bytes(4, "little") + vp8l
    return b"RIFF" + len(body).to_bytes(4, "little") + body


GPS = ["-GPSLatitude=31.2304", "-GPSLatitudeRef=N", "-GPSLongitude=121.4737", "-GPSLongitudeRef=E"]
LOCATED = (b"31.2304", b"31.23", b"121.47", b"+31.2")


class LocationInEveryLayout(unittest.TestCase):
    """Sample files as phones and tools write them (exiftool), one per place location
    hides; each uploaded through the real server and the stored file checked by
    exiftool and by its bytes."""

    @classmethod
    def setUpClass(cls):
        cls.backend = Backend()
        cls.work = tempfile.mkdtemp(prefix="aftercare-layouts-")

    @classmethod
    def tearDownClass(cls):
        cls.backend.close()
        shutil.rmtree(cls.work, ignore_errors=True)

    def sample(self, name, data, *tags):
        path = os.path.join(self.work, name)
        with open(path, "wb") as file:
            file.write(data)
        if tags:
            exiftool(*tags, path)
        return path

    def stored(self, path, filetype):
        token = self.backend.token("layouts")
        tus = client.TusClient(f"{self.backend.origin}/v1/uploads/", headers={"Authorization": f"Bearer {token}"})
        uploader = tus.uploader(path, metadata={"filename": os.path.basename(path), "filetype": filetype}, chunk_size=4096)
        uploader.upload()
        _, stored = self.backend.download(token, uploader.url)
        out = os.path.join(self.work, "stored-" + os.path.basename(path))
        with open(out, "wb") as file:
            file.write(stored)
        return out, stored

    def assert_no_location(self, path, stored, before):
        self.assertTrue(any("GPS" in key or "Location" in key for key in before), f"the sample has location: {before}")
        after = exif(path, "-a", "-G1")
        located = [key for key in after if "GPS" in key or "Location" in key or key.endswith(":Make") or key.endswith(":Model")]
        self.assertEqual(located, [], after)
        for needle in LOCATED:
            self.assertNotIn(needle, stored, f"{needle} still in the bytes")
        return after

    def movie(self, name, brand):
        with open(os.path.join(FIXTURES, "ten-seconds.mp4"), "rb") as fixture:
            data = bytearray(fixture.read())
        at = data.index(b"ftyp") + 4
        data[at:at + 4] = brand
        return self.sample(name, bytes(data))

    def test_iphone_mov_keys_user_data_item_list_and_xmp(self):
        path = self.movie("iphone.mov", b"qt  ")
        exiftool("-Keys:GPSCoordinates=31.2304 121.4737 12", "-Keys:Make=Apple", "-Keys:Model=iPhone 15 Pro", path)
        exiftool("-UserData:GPSCoordinates=31.2304 121.4737", "-UserData:Make=Apple", path)
        exiftool("-ItemList:GPSCoordinates=31.2304 N, 121.4737 E", path)
        exiftool("-XMP-exif:GPSLatitude=31.2304", "-XMP-exif:GPSLongitude=121.4737", path)
        before = exif(path, "-a", "-G1")
        self.assertTrue(any(key.startswith("Keys:") for key in before), before)
        out, stored = self.stored(path, "video/quicktime")
        after = self.assert_no_location(out, stored, before)
        self.assertEqual(len(stored), os.path.getsize(path), "no re-mux")
        self.assertGreater(float(exif(out, "-Duration")["Duration"]), 5, "still a ten-second movie")
        self.assertNotIn("ExifTool:Warning", after)

    def test_mp4_with_xmp_in_a_top_level_uuid_box(self):
        path = self.movie("camera.mp4", b"isom")
        exiftool("-XMP-exif:GPSLatitude=31.2304", "-XMP-exif:GPSLongitude=121.4737", "-XMP-tiff:Make=Canon", path)
        with open(path, "rb") as file:
            self.assertIn(b"uuid", file.read(), "exiftool wrote XMP into a uuid box")
        before = exif(path, "-a", "-G1")
        out, stored = self.stored(path, "video/mp4")
        self.assert_no_location(out, stored, before)

    def test_jpeg_keeps_orientation_and_loses_the_rest(self):
        path = os.path.join(self.work, "portrait.jpg")
        shutil.copy(os.path.join(FIXTURES, "gps.jpg"), path)
        exiftool("-Orientation=6", "-n", "-Make=Apple", "-Model=iPhone 15", "-XMP-exif:GPSLatitude=31.2304", path)
        before = exif(path, "-a", "-G1")
        out, stored = self.stored(path, "image/jpeg")
        after = self.assert_no_location(out, stored, before)
        self.assertEqual(exif(out, "-Orientation")["Orientation"], 6, "still shown upright")
        self.assertEqual([key for key in after if key.startswith("XMP")], [])

    def test_png_with_standard_and_pre_standard_exif_and_a_private_chunk(self):
        path = self.sample("screenshot.png", tiny_png(), *GPS)
        with open(path, "rb") as file:
            data = file.read()
        self.assertIn(b"eXIf", data, "exiftool wrote an eXIf chunk")
        # The pre-standard chunk some tools still write, and a private one.
        exif_chunk = data[data.index(b"eXIf") - 4:]
        length = int.from_bytes(exif_chunk[:4], "big")
        legacy = png_chunk(b"exIf", exif_chunk[8:8 + length])
        private = png_chunk(b"prVt", b"lat=31.2304 lon=121.4737")
        iend = data.rindex(b"IEND") - 4
        with open(path, "wb") as file:
            file.write(data[:iend] + legacy + private + data[iend:])
        before = exif(path, "-a", "-G1")
        out, stored = self.stored(path, "image/png")
        self.assert_no_location(out, stored, before)
        self.assertNotIn(b"exIf", stored)
        self.assertNotIn(b"prVt", stored)

    def test_webp_with_exif_and_xmp(self):
        path = self.sample("photo.webp", tiny_webp(), *GPS, "-XMP-exif:GPSAltitude=4")
        before = exif(path, "-a", "-G1")
        out, stored = self.stored(path, "image/webp")
        self.assert_no_location(out, stored, before)


if __name__ == "__main__":
    unittest.main()
