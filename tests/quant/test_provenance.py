import hashlib
import json

import pytest

from quant.provenance import canonical_json, code_version, sha256_text


def test_canonical_json_is_key_order_independent_and_compact() -> None:
    assert canonical_json({"b": 1, "a": [1.5, None]}) == '{"a":[1.5,null],"b":1}'
    assert canonical_json({"a": 1, "b": 2}) == canonical_json({"b": 2, "a": 1})


def test_canonical_json_refuses_nan() -> None:
    with pytest.raises(ValueError):
        canonical_json({"x": float("nan")})


def test_sha256_text_matches_hashlib() -> None:
    text = json.dumps({"é": 1})
    assert sha256_text(text) == hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_code_version_names_the_checkout() -> None:
    assert code_version() not in {"", None}
