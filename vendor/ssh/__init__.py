"""SSH to hosts (EC2 instances or local sandbox hosts): the only package importing paramiko."""
from vendor.ssh.connection import Connection, connect
from vendor.ssh.errors import CommandTimeout, ConnectError, ConnectionLost, SSHError, TransferError
from vendor.ssh.group import HostGroup, HostResult
from vendor.ssh.host import Host
from vendor.ssh.run import Result, run
from vendor.ssh.transfer import download, list_remote, make_remote_dirs, read_remote, upload, upload_bytes

__all__ = [
    "CommandTimeout",
    "ConnectError",
    "Connection",
    "ConnectionLost",
    "Host",
    "HostGroup",
    "HostResult",
    "Result",
    "SSHError",
    "TransferError",
    "connect",
    "download",
    "list_remote",
    "make_remote_dirs",
    "read_remote",
    "run",
    "upload",
    "upload_bytes",
]
