"""SSH fixtures on top of the session's local hosts."""
import pytest

from vendor.ssh import HostGroup


@pytest.fixture(scope="module")
def group(local_hosts):
    """A HostGroup over the three shared local hosts (connections closed after the module)."""
    with HostGroup(local_hosts.hosts) as hosts:
        yield hosts


@pytest.fixture
def conn(group):
    return group.connection(group.hosts[0])
