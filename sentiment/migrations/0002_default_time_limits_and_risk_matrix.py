"""A fresh install has time limits for each severity and a 5 × 5 risk matrix to start with;
both are data that an administrator edits in the admin."""

from django.db import migrations

# Minutes to report and to handle: the most serious incidents are reported within half an hour
# and handled within two hours, as the office's 第一时间报告、第一时间处置 rule expects.
LIMITS = [("major", 30, 120), ("serious", 60, 360), ("general", 120, 1440)]
MATRIX_NAME = "舆情风险矩阵（5×5）"


def level_for(likelihood, impact):
    score = likelihood * impact
    if score >= 17:
        return "critical"
    if score >= 10:
        return "high"
    if score >= 5:
        return "medium"
    return "low"


def create_defaults(apps, schema_editor):
    SeverityTimeLimit = apps.get_model("sentiment", "SeverityTimeLimit")
    RiskMatrix = apps.get_model("sentiment", "RiskMatrix")
    RiskMatrixCell = apps.get_model("sentiment", "RiskMatrixCell")
    for severity, report, handle in LIMITS:
        SeverityTimeLimit.objects.get_or_create(
            severity=severity, defaults={"report_within_minutes": report, "handle_within_minutes": handle}
        )
    matrix, created = RiskMatrix.objects.get_or_create(
        name=MATRIX_NAME, defaults={"likelihood_levels": 5, "impact_levels": 5, "is_current": True}
    )
    if created:
        RiskMatrixCell.objects.bulk_create(
            RiskMatrixCell(matrix=matrix, likelihood=likelihood, impact=impact, level=level_for(likelihood, impact))
            for likelihood in range(1, 6)
            for impact in range(1, 6)
        )


class Migration(migrations.Migration):
    dependencies = [("sentiment", "0001_opinion_duty_and_reviews")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
