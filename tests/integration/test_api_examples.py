"""The OpenAPI document shows an example for every request body, and each example is a
request its body accepts (the examples are made from the bodies, so they cannot drift)."""

from __future__ import annotations

from commissioning.api.types import RequestBody
from commissioning.api.v1 import api


def _bodies() -> dict[str, type[RequestBody]]:
    found: dict[str, type[RequestBody]] = {}
    stack = list(RequestBody.__subclasses__())
    while stack:
        body = stack.pop()
        stack.extend(body.__subclasses__())
        found.setdefault(body.__name__, body)
    return found


def _request_bodies(document: dict) -> set[str]:
    names = set()
    for operations in document["paths"].values():
        for operation in operations.values():
            for content in operation.get("requestBody", {}).get("content", {}).values():
                if "$ref" in content["schema"]:
                    names.add(content["schema"]["$ref"].rsplit("/", 1)[-1])
    return names


def test_every_fhir_request_body_has_an_example_the_fhir_models_accept():
    """A FHIR operation's body is a FHIR resource (its schema is the resource's, not the
    platform's): its example must be one the FHIR models accept."""
    from fhir.resources.R4B import get_fhir_model_class

    document = api.get_openapi_schema()
    found = 0
    for operations in document["paths"].values():
        for operation in operations.values():
            for content in operation.get("requestBody", {}).get("content", {}).values():
                if "$ref" in content["schema"]:
                    continue
                examples = content.get("examples") or {}
                assert examples, f"{operation['operationId']} has no example"
                for example in examples.values():
                    resource = example["value"]
                    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
                    found += 1
    assert found >= 2  # a MeasureReport and a Bundle of them


def test_every_request_body_has_an_example_its_body_accepts():
    document = api.get_openapi_schema()
    schemas = document["components"]["schemas"]
    bodies = _bodies()
    names = _request_bodies(document)
    assert len(names) >= 58
    for name in sorted(names):
        examples = schemas[name].get("examples")
        assert examples, f"{name} has no example"
        bodies[name].model_validate(examples[0])  # raises, naming the field, if it does not fit


def test_examples_use_the_platforms_names_for_things():
    schemas = api.get_openapi_schema()["components"]["schemas"]
    proposal = schemas["ProposalIn"]["examples"][0]
    assert proposal["provider_code"] == "RJE"
    assert proposal["total_price_pence"] == 1_250_000
    scores = schemas["ScoresIn"]["examples"][0]["scores"]
    assert set(scores) == {"quality_innovation", "value", "integration", "access", "social_value"}


def test_the_readme_counts_the_api_as_it_is():
    """Issue 18: the README said 56 paths when there were 58."""
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    said = re.search(r"lists (\d+) paths and (\d+) operations", readme)
    document = api.get_openapi_schema()
    paths = document["paths"]
    assert said is not None
    assert (int(said[1]), int(said[2])) == (len(paths), sum(len(ops) for ops in paths.values()))
