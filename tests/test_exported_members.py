"""The public API is exactly what __all__ lists, kept sorted."""

import edm_stance


def test_all_is_sorted_and_importable():
    assert edm_stance.__all__ == sorted(edm_stance.__all__)
    for name in edm_stance.__all__:
        assert hasattr(edm_stance, name), name
