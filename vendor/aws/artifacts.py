"""The environment's artifact bucket: put an object (the bucket is versioned) and say where it is
(`S3Location`: bucket, key, version, ETag; vendor.deploy.lifecycle is pure)."""
from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from vendor.aws import clients
from vendor.deploy.lifecycle import S3Location


class ArtifactError(Exception):
    pass


class ArtifactBucket:
    def __init__(self, bucket: str, client=None, *, region: str | None = None):
        self.bucket, self._client, self.region = bucket, client, region

    @property
    def client(self):
        if self._client is None:
            self._client = clients.client("s3", region=self.region)
        return self._client

    def put(self, key: str, data: bytes, content_type: str, metadata: dict | None = None) -> str | None:
        """Store `data` at `key`; return the new object version (None when unversioned)."""
        return self.store(key, data, content_type, metadata).version

    def store(self, key: str, data: bytes, content_type: str, metadata: dict | None = None) -> S3Location:
        """Store `data` at `key`; return where it is (its version, None when unversioned, and ETag)."""
        try:
            answer = self.client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type,
                                            Metadata=metadata or {})
        except ClientError as e:
            code = e.response.get("Error", {}).get("Code")
            hint = " (the environment's artifact bucket does not exist: vend apply CONFIG first)" \
                if code == "NoSuchBucket" else ""
            raise ArtifactError(f"cannot store s3://{self.bucket}/{key}: {code}{hint}") from e
        except BotoCoreError as e:
            raise ArtifactError(f"cannot store s3://{self.bucket}/{key}: {e}") from e
        return S3Location.put_answer(self.bucket, key, answer)

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"
