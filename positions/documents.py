"""Word documents of publishing positions, built from what the views gather (the views only
return the file)."""

from __future__ import annotations

from io import BytesIO

from django.utils import timezone
from django.utils.translation import gettext as _
from docx import Document


def chain_footer(chain_ok: bool, checked_at, anchor) -> list[str]:
    """The lines printed under a review form or ledger: the verification and the newest anchor."""
    checked = timezone.localtime(checked_at).strftime("%Y-%m-%d %H:%M")
    lines = [
        _("Sign-off chain verified · %(time)s") % {"time": checked}
        if chain_ok
        else _("Sign-off chain broken")
    ]
    if anchor:
        lines.append(
            _("Chain anchor digest: %(digest)s (taken %(time)s, #%(sequence)s)")
            % {"digest": anchor.digest, "time": anchor.taken_at, "sequence": anchor.sequence}
        )
    else:
        lines.append(_("No anchor of the chain has been taken yet."))
    return lines


def review_form_docx(context: dict) -> bytes:
    """The publishing review form of one item: its facts, every sign-off, the publication and
    the chain's verification. ``context``: the item, its sign-offs, publication, chain state
    and newest anchor, as the review form page shows them."""
    item = context["item"]
    document = Document()
    document.add_heading(_("Publishing review form"), level=1)
    facts = document.add_table(rows=0, cols=2)
    facts.style = "Table Grid"
    revision = item.approved_revision or item.current_revision
    for label, value in [
        (_("Title"), item.title),
        (_("Platform"), item.platform.name),
        (_("Author"), f"{item.author.get_full_name()} {item.author.title}".strip()),
        (_("Sensitivity"), item.get_sensitivity_display()),
        (_("Status"), item.get_status_display()),
        (_("Revision"), f"v{revision.number}  SHA-256 {revision.sha256}"),
    ]:
        cells = facts.add_row().cells
        cells[0].text = str(label)
        cells[1].text = str(value)
    document.add_heading(_("Sign-offs"), level=2)
    table = document.add_table(rows=1, cols=7)
    table.style = "Table Grid"
    headers = [
        _("Step"),
        _("Decision"),
        _("Signer"),
        _("Time"),
        _("Opinion"),
        _("Revision"),
        _("SHA-256 of the revision"),
    ]
    for cell, header in zip(table.rows[0].cells, headers, strict=True):
        cell.text = str(header)
    for row in context["signoffs"]:
        cells = table.add_row().cells
        values = [
            row.get_step_display(),
            row.get_decision_display(),
            f"{row.signer_name} {row.signer_title}".strip(),
            timezone.localtime(row.signed_at).strftime("%Y-%m-%d %H:%M"),
            row.opinion,
            f"v{row.revision.number}（{_('round')} {row.review_round}）",
            row.content_sha256,
        ]
        for cell, value in zip(cells, values, strict=True):
            cell.text = str(value)
    publication = context["publication"]
    footer = chain_footer(context["chain"].ok, context["chain"].checked_at, context["anchor"])
    if publication:
        document.add_heading(_("Publication"), level=2)
        document.add_paragraph(
            f"{timezone.localtime(publication.published_at):%Y-%m-%d %H:%M} "
            f"{publication.published_by.get_full_name()} {publication.url or publication.post_id}"
        )
        for action in publication.actions.all():
            document.add_paragraph(
                f"{action.get_kind_display()} {timezone.localtime(action.acted_at):%Y-%m-%d %H:%M} "
                f"{action.acted_by.get_full_name()}：{action.reason}"
            )
    for problem in context["chain"].problems:
        footer.insert(1, problem)
    for line in footer:
        document.add_paragraph(line)
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()
