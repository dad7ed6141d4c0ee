import numpy as np
import pytest

from steer_ros.radio.constellations import CONSTELLATIONS, get_constellation


@pytest.mark.parametrize("name,size", [("qpsk", 4), ("16qam", 16), ("64qam", 64)])
def test_unit_energy_and_size(name, size):
    c = get_constellation(name)
    assert c.size == size
    assert c.bits == pytest.approx(np.log2(size))
    assert np.mean(np.abs(c.points) ** 2) == pytest.approx(1.0, abs=1e-12)
    assert np.mean(c.unit_rail**2) == pytest.approx(1.0, abs=1e-12)
    # square QAM = product of two rails, points distinct and zero-mean
    assert len(set(np.round(c.points, 12))) == size
    assert abs(np.mean(c.points)) < 1e-12
    assert np.allclose(np.sort(c.points.real), np.sort(np.repeat(c.rail, c.rail.size)))


def test_qpsk_points():
    pts = get_constellation("qpsk").points
    assert np.allclose(np.abs(pts), 1.0)
    assert np.allclose(np.sort(pts.real), np.array([-1, -1, 1, 1]) / np.sqrt(2))


def test_names_and_error():
    assert set(CONSTELLATIONS) == {"qpsk", "16qam", "64qam"}
    assert get_constellation("16-QAM").name == "16qam"
    with pytest.raises(ValueError, match="constellation"):
        get_constellation("8psk")
