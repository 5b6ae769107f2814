from __future__ import annotations

from pipeline.config import DetectionSettings
from pipeline.detect.engine import DetectionConfig, detection_config


def test_no_overrides_is_the_shipped_config() -> None:
    assert detection_config(None) == DetectionConfig()
    assert detection_config(DetectionSettings()) == DetectionConfig()


def test_overrides_replace_only_the_fields_set() -> None:
    shipped = DetectionConfig()
    config = detection_config(
        DetectionSettings(predicted_threshold=300, n_star=200, lower_bound_max_age_s=1800, surge_alpha=1e-6)
    )
    assert config.cascade.predicted_threshold == 300
    assert config.cascade.seismic.n_star == 200
    assert config.cascade.seismic.lower_bound_max_age_s == 1800
    assert config.surge.alpha == 1e-6
    assert config.cascade.velocity_threshold == shipped.cascade.velocity_threshold
    assert config.cascade.big_account_predicted_threshold == shipped.cascade.big_account_predicted_threshold
    assert config.cascade.seismic.theta == shipped.cascade.seismic.theta
    assert config.incidents == shipped.incidents


def test_big_account_and_velocity_overrides() -> None:
    config = detection_config(DetectionSettings(big_account_predicted_threshold=150, velocity_threshold=80))
    assert config.cascade.big_account_predicted_threshold == 150
    assert config.cascade.velocity_threshold == 80
