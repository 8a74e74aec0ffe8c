"""botocore's Stubber for the calls moto lacks, on a client whose other calls reach the moto server.

    stub = PartialStubber(client)
    stub.answer("get_pipeline_state", lambda params: {...})   # a response per call, from its params
    stub.activate()

Requests of answered calls are validated by botocore against the real API model before they get
here (as with Stubber), and each answer is validated against the operation's output shape
(Stubber's own check), so a response AWS could not send fails the test. `calls` records
(operation, params) of every answered call.
"""
from __future__ import annotations

from botocore.awsrequest import AWSResponse
from botocore.stub import Stubber


class PartialStubber(Stubber):
    def __init__(self, client):
        super().__init__(client)
        self.answers: dict = {}
        self.calls: list[tuple[str, dict]] = []
        self._params: dict = {}

    def answer(self, method: str, fn) -> None:
        self.answers[self.client.meta.method_to_api_mapping[method]] = fn

    def _assert_expected_params(self, model, params, context, **kwargs):
        if model.name in self.answers:
            self._params[model.name] = dict(params)

    def _get_response_handler(self, model, params, context, **kwargs):
        fn = self.answers.get(model.name)
        if fn is None:
            return None  # a real call to the moto server
        request = self._params.pop(model.name, {})
        response = fn(request)
        self._validate_operation_response(model.name, response)
        self.calls.append((model.name, request))
        return AWSResponse(None, 200, {}, None), response
