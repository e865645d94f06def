import numpy as np
import torch

from stance.calibration import expected_calibration_error, fit_temperature


def test_temperature_fixes_overconfidence():
    g = torch.Generator().manual_seed(0)
    y = torch.randint(0, 3, (2000,), generator=g)
    clean = torch.nn.functional.one_hot(y, 3).float() * 1.0 + torch.randn(2000, 3, generator=g)
    logits = clean * 6  # same ranking, far too confident
    t = fit_temperature(logits, y)
    assert t > 2
    before = expected_calibration_error(torch.softmax(logits, -1).numpy(), y.numpy())
    after = expected_calibration_error(torch.softmax(logits / t, -1).numpy(), y.numpy())
    assert after < before / 2


def test_ece_zero_when_confidence_matches_accuracy():
    p = np.array([[0.5, 0.5]] * 4)
    assert expected_calibration_error(p, np.array([0, 1, 0, 1])) == 0.0
