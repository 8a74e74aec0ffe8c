"""moto with many customer environments in one emulator: what breaks or slows down, set right.

Found by the vending benchmark (tests/bench/vending.py), which vends hundreds of environments
into one emulator (moto 5.2.5):

- Auto Scaling: a scaling policy's name is unique per group in AWS, but moto keys policies by
  name alone, so each group's `cpu-target` policy replaced the previous group's; re-applying an
  earlier environment then found its policy gone and put it back (never a no-op).
- EC2: moto finds a resource's own tags (`TaggedEC2Resource.get_tags`) by scanning every tag of
  every EC2 resource in the region with a regular expression, and every filtered Describe call
  (security groups, images by `tag:`) does that once per candidate resource. Each such call cost
  (resources x tags), so an apply became slower with every environment already vended, which AWS
  does not do. Here the lookup is a dictionary access with the same answer (entries, order, fields).
- Server: to route each request, moto's dispatcher asks `backends.list_of_moto_modules()`, which
  lists moto's package directory on disk (about 150 `isdir` calls) every time, under the
  dispatcher's lock. The installed package does not change while it runs: listed once here
  (found by the fleet benchmark, tests/bench/fleet.py: ~5% of the emulator's CPU).
- Server, per request: moto finds the response class's method names with `inspect.getmembers`
  on every call (~4% of a small request's CPU); a class's methods do not change while it serves,
  so they are listed once per class. werkzeug formats a log line for every request (path, date,
  colours) and then drops it when its logger was set quieter than INFO (as the fleet benchmark's
  is): the line is formatted only when it would be written.
- Server, per response: moto's serializer works out, for every field of every object it writes,
  which attribute names may hold it, making and asking six alias providers each time (about a
  fifth of the emulator's CPU in the fleet benchmark). The answer is the same for the same object
  type, field and shape, so it is worked out once per those.

`scale_moto()` is idempotent; `vendor.sandbox.emulator.relax_moto` applies it.
"""
from __future__ import annotations

import functools
import logging


def scale_moto() -> None:
    from moto.autoscaling.models import AutoScalingBackend
    from moto.core import responses, serialize
    from moto.ec2.models.core import TaggedEC2Resource
    from moto.ec2.utils import EC2_PREFIX_TO_RESOURCE, get_prefix
    from werkzeug.serving import WSGIRequestHandler

    from moto import backends

    if getattr(TaggedEC2Resource, "_vend_scaled", False):
        return
    modules = tuple(backends.list_of_moto_modules())
    put_policy = AutoScalingBackend.put_scaling_policy

    def put_scaling_policy(self, name, *args, **kwargs):
        policy = put_policy(self, name, *args, **kwargs)  # moto stores it under its name alone
        self.policies[f"{policy.auto_scaling_group_name}/{name}"] = self.policies.pop(name)
        return policy

    def delete_policy(self, name):  # moto's DeletePolicy passes the policy name only
        for key in [k for k, p in self.policies.items() if p.name == name]:
            del self.policies[key]

    def execute_policy(self, name):
        for policy in [p for p in self.policies.values() if p.name == name]:
            policy.execute()

    def get_tags(self) -> list[dict[str, str]]:
        if not self.id:
            return []
        kind = EC2_PREFIX_TO_RESOURCE.get(get_prefix(self.id), "")
        return [{"resource_id": self.id, "key": key, "value": value, "resource_type": kind}
                for key, value in self.ec2_backend.tags.get(self.id, {}).items()]

    AutoScalingBackend.put_scaling_policy = put_scaling_policy
    AutoScalingBackend.delete_policy = delete_policy
    AutoScalingBackend.execute_policy = execute_policy
    TaggedEC2Resource.get_tags = get_tags
    backends.list_of_moto_modules = lambda: modules
    responses.method_names_from_class = functools.cache(responses.method_names_from_class)
    log_request, werkzeug_log = WSGIRequestHandler.log_request, logging.getLogger("werkzeug")

    def quiet_log_request(self, *args, **kwargs):
        if werkzeug_log.level == logging.NOTSET or werkzeug_log.isEnabledFor(logging.INFO):  # werkzeug's default: INFO
            log_request(self, *args, **kwargs)

    WSGIRequestHandler.log_request = quiet_log_request
    picker = serialize.XFormedAttributePicker
    picker.get_possible_keys = _possible_keys_once(picker.get_possible_keys, serialize.DEFAULT_ALIAS_PROVIDERS)
    TaggedEC2Resource._vend_scaled = True


def _possible_keys_once(possible_keys, default_providers):
    """moto's serializer asks, for every field of every object it writes, which attribute names may
    hold it (six alias providers made and asked each time). The answer depends only on the object's
    type and its Meta, the field, and the field's shape and parent shape: worked out once per those
    and kept on the shape."""

    @functools.wraps(possible_keys)
    def get_possible_keys(self, context):
        shape, obj = context.shape, context.obj
        if shape is None or self.alias_providers is not default_providers:
            return possible_keys(self, context)
        meta = getattr(obj, "Meta", None)
        key = (type(self), type(obj), meta, context.key, getattr(shape, "parent", None))
        memo = shape.__dict__.setdefault("_vend_possible_keys", {})
        try:
            return memo[key]
        except KeyError:
            found = memo[key] = tuple(possible_keys(self, context))
            return found
        except TypeError:  # a Meta that cannot be a key
            return possible_keys(self, context)

    return get_possible_keys
