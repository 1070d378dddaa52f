"""Points thresholds belong to a platform (issue 17, bug 5). The thresholds set so far were the
daily minimums of 学习强国 (code ``xuexi``), whose export is daily points; they go to that platform
(or to the first platform when it is absent). Other platforms start with none, which names
nobody as below until an administrator sets theirs."""

import django.db.models.deletion
from django.db import migrations, models


def to_platform(apps, schema_editor):
    PointsThreshold = apps.get_model("study", "PointsThreshold")
    LearningPlatform = apps.get_model("study", "LearningPlatform")
    if not PointsThreshold.objects.exists():
        return
    platform = LearningPlatform.objects.filter(code="xuexi").first() or LearningPlatform.objects.order_by("pk").first()
    if platform is None:
        # No platform, so no points and no bulletin they could apply to.
        PointsThreshold.objects.all().delete()
        return
    PointsThreshold.objects.update(platform=platform)


class Migration(migrations.Migration):
    dependencies = [
        ("study", "0001_study_records_points_and_imports"),
    ]

    operations = [
        migrations.AlterField(
            model_name="pointsthreshold",
            name="role",
            field=models.CharField(max_length=20, verbose_name="role"),
        ),
        migrations.AddField(
            model_name="pointsthreshold",
            name="platform",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="thresholds",
                to="study.learningplatform",
                verbose_name="platform",
            ),
        ),
        migrations.RunPython(to_platform, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="pointsthreshold",
            name="platform",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="thresholds",
                to="study.learningplatform",
                verbose_name="platform",
            ),
        ),
        migrations.AlterModelOptions(
            name="pointsthreshold",
            options={
                "ordering": ["platform", "role"],
                "verbose_name": "points threshold",
                "verbose_name_plural": "points thresholds",
            },
        ),
        migrations.AddConstraint(
            model_name="pointsthreshold",
            constraint=models.UniqueConstraint(
                fields=("platform", "role"),
                name="study_threshold_once_per_platform_and_role",
                violation_error_message="This platform already has a threshold for this role.",
            ),
        ),
    ]
