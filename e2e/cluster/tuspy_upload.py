"""Uploads a file with tuspy (5 MiB chunks, retrying) and prints its upload URL.

    python tuspy_upload.py ENDPOINT TOKEN FILE
"""
import sys

from tusclient import client

endpoint, token, path = sys.argv[1:4]
tus = client.TusClient(endpoint, headers={"Authorization": f"Bearer {token}"})
uploader = tus.uploader(path, chunk_size=5 * 1024 * 1024, retries=30, retry_delay=1,
                        metadata={"filename": "evidence.mp4", "filetype": "video/mp4"})
uploader.upload()
print(uploader.url)
