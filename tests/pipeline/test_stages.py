"""The stage registry: the enum, the bands, the labels and each job's stage list derive from it."""

from __future__ import annotations

from backend.models.job import JobStage
from backend.pipeline.options import JobOptions
from backend.pipeline.stages import LABELS, STAGE_NAMES, STAGES, StageSpec, bands_for, build_stages, specs_for
from backend.schemas.jobs import JobOut


def test_default_bands_are_the_contracts() -> None:
    assert bands_for(list(STAGES)) == {
        "downloading": (0.0, 20.0),
        "transcribing": (20.0, 60.0),
        "analyzing": (60.0, 80.0),
        "rendering": (80.0, 100.0),
        "finalizing": (100.0, 100.0),
    }


def test_enum_labels_and_api_type_derive_from_the_registry() -> None:
    assert [stage.value for stage in JobStage] == list(STAGE_NAMES)
    assert set(LABELS) == set(STAGE_NAMES)
    schema = JobOut.model_json_schema()
    assert schema["$defs"]["JobStage"]["enum"] == list(STAGE_NAMES)


def test_an_optional_stage_attaches_per_job_and_rescales_the_bands() -> None:
    extra = StageSpec(
        "extra",
        "Extra",
        25,
        "backend.pipeline.stages.finalize:FinalizeStage",
        applies=lambda options: options.max_clips > 3,
    )
    registry = (*STAGES, extra)
    few, many = JobOptions(max_clips=2), JobOptions(max_clips=5)
    # Without the option `publish`, the job has every stage but `uploading` (its own test below).
    plain = [name for name in STAGE_NAMES if name != "uploading"]
    assert [s.name for s in specs_for(few, registry)] == plain
    assert [s.name for s in specs_for(many, registry)] == [*plain, "extra"]
    bands = bands_for(specs_for(many, registry))
    assert bands["downloading"] == (0.0, 16.0) and bands["extra"] == (80.0, 100.0)
    stages = build_stages(many, registry)
    assert [s.name for s in stages][-1] == "finalizing"  # the factory built the named class


def test_each_job_carries_its_stage_plan() -> None:
    from types import SimpleNamespace

    from backend.services.job_views import stage_plan

    plan = stage_plan(SimpleNamespace(options={"max_clips": 3, "gone_option": 1}))  # type: ignore[arg-type]
    assert [(p["name"], p["label"], p["start"], p["end"]) for p in plan][:2] == [
        ("downloading", "Download", 0.0, 20.0),
        ("transcribing", "Transcribe", 20.0, 60.0),
    ]


def test_publish_is_no_stage() -> None:
    """Publishing is a set of child work items of a completed job (CONTRACTS §12), not a stage."""
    from types import SimpleNamespace

    from backend.services.job_views import stage_plan

    options = JobOptions(publish={"privacy_status": "private", "top": 2})  # type: ignore[arg-type]
    plan = stage_plan(SimpleNamespace(options=options.model_dump(mode="json")))  # type: ignore[arg-type]
    assert [p["name"] for p in plan] == list(STAGE_NAMES)
    assert [s.name for s in build_stages(options)] == list(STAGE_NAMES)
    assert "uploading" not in STAGE_NAMES
