"""The cache key follows the code of a rule pack, helpers beside its module included."""
import os
import types

from linter.cache import code_fingerprint


def test_a_helper_beside_a_rule_pack_changes_the_key(tmp_path):
    pack = tmp_path / "pack.py"
    helper = tmp_path / "pack_model.py"
    pack.write_text("import pack_model\n")
    helper.write_text("X = 1\n")
    module = types.SimpleNamespace(__file__=str(pack))
    before = code_fingerprint([module])
    helper.write_text("X = 22\n")
    os.utime(helper, ns=(1, 1))
    assert code_fingerprint([module]) != before
