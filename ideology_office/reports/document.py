"""The annual work report as a Word document: figures (figures.py) poured into a docxtpl template.

The wording lives in a Word template with Jinja tags (``{{ f.central_group_sessions }}``), so the
office can adapt it to each year without a programmer: an admin downloads the built-in template,
edits it in Word and uploads it (``ReportTemplate``). The built-in one is written below with
python-docx, in the seed report's structure: title, opening paragraph, 一、 (一)(二)(三), each
with 一是/二是/三是 paragraphs. No figure is typed here: each is a tag filled from the records.
"""

from __future__ import annotations

import io

import jinja2
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docxtpl import DocxTemplate

from .figures import ReportFigures

DIGITS = "零一二三四五六七八九"


class ReportTemplateError(Exception):
    """The Word template cannot be rendered; the message is for the person who uploaded it."""


def chinese_numeral(number) -> str:
    """7 -> 七, 12 -> 十二, 25 -> 二十五, 105 -> 一百零五 (0 to 9999); anything else unchanged."""
    if not isinstance(number, int) or not 0 <= number <= 9999:
        return "" if number is None else str(number)
    if number < 10:
        return DIGITS[number]
    text, pending_zero = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = number // value % 10
        if digit:
            if pending_zero:
                text += "零"
            text += ("" if (value == 10 and digit == 1 and number < 20) else DIGITS[digit]) + unit
            pending_zero = False
        elif text:
            pending_zero = True
    return text


def show(value) -> str:
    """A figure as the report prints it: whole numbers plainly, a missing figure as “—”."""
    if value is None or value == "":
        return "—"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def report_context(report: ReportFigures) -> dict:
    platforms = [name.strip() for name in str(report.value("learning_platforms")).split("、") if name.strip()]
    return {
        "office_name": report.office_name,
        "since": report.since,
        "until": report.until,
        "period_text": f"{report.since} 年" if report.since == report.until else f"{report.since} 年以来",
        "focus_tags": "、".join(report.focus_tags),
        "platforms": "、".join(f"“{name}”" for name in platforms),
        "f": report.values(),
    }


def _jinja_environment() -> jinja2.Environment:
    environment = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True)
    environment.filters["cn"] = chinese_numeral
    environment.filters["show"] = show
    return environment


def render_report(report: ReportFigures, template: bytes | None = None) -> bytes:
    """The .docx bytes of the report, from ``template`` (an uploaded one) or the built-in one."""
    document = DocxTemplate(io.BytesIO(template or default_template_bytes()))
    try:
        document.render(report_context(report), jinja_env=_jinja_environment(), autoescape=True)
    except jinja2.UndefinedError as error:
        raise ReportTemplateError(
            _("The report template names a figure that does not exist: %(error)s") % {"error": error}
        ) from error
    except jinja2.TemplateError as error:
        raise ReportTemplateError(
            _("The report template has a mistake in its tags: %(error)s") % {"error": error}
        ) from error
    except Exception as error:  # noqa: BLE001 - a corrupt upload fails in many ways inside docx
        raise ReportTemplateError(
            _("The report template is not a readable Word document: %(error)s") % {"error": error}
        ) from error
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()


# The built-in template ------------------------------------------------------------------------

TITLE = "{{ office_name }}关于{{ period_text }}意识形态工作责任制落实情况的汇报"

OPENING = (
    "{{ period_text }}，{{ office_name }}坚持以习近平新时代中国特色社会主义思想为指导，深入学习贯彻党的二十大精神"
    "和习近平总书记关于意识形态工作的重要论述，坚决落实党中央和省委、市委、县委关于意识形态工作的决策部署，"
    "紧紧围绕县委中心工作，将意识形态工作作为一项极端重要的政治任务来抓，不断强化组织领导、深化理论武装、"
    "建强宣传阵地、完善工作机制，牢牢掌握了意识形态工作的领导权和主动权。在全办上下的共同努力下，意识形态"
    "领域总体态势持续巩固、向上向好，为推动经济社会高质量发展提供了坚强思想保证和强大精神力量。"
    "现将有关情况汇报如下。"
)

PART_ONE = "一、立根铸魂，坚守意识形态工作主阵地"
PART_ONE_INTRO = (
    "作为县委的“坚强前哨”和“巩固后院”，县委办公室始终将意识形态工作摆在极端重要的位置，与办公室“三服务”"
    "工作同谋划、同部署、同推进、同考核，确保各项要求不折不扣落到实处。"
)

# (heading, lead sentence, [(一是…, text), …])
SECTIONS = [
    (
        "（一）强化组织领导，健全责任落实体系。",
        "始终坚持党管意识形态原则，着力构建权责明晰、齐抓共管的工作格局。",
        [
            (
                "一是完善领导机制。",
                "{% if f.leading_group_joined %}调整充实了意识形态工作领导小组，{% endif %}"
                "{% if f.leading_group_leader %}由办公室主要负责同志{{ f.leading_group_leader }}担任组长，"
                "{% endif %}履行“第一责任人”职责，领导小组现有成员 {{ f.leading_group_members }} 人；"
                "班子成员按照“一岗双责”要求，抓好分管领域的意识形态工作，明确“一岗双责”分工"
                " {{ f.duty_assignments }} 项{% if f.responsibility_letters %}，签订责任书"
                " {{ f.responsibility_letters }} 份{% endif %}。形成了主要领导亲自抓、分管领导具体抓、"
                "各股室协同落实的责任链条。自 {{ since }} 年以来，累计召开 {{ f.office_meetings_on_ideology }}"
                " 次室务会专题研究意识形态工作，定期听取情况汇报，分析研判形势，解决实际问题"
                "{% if f.follow_ups %}，确定的 {{ f.follow_ups }} 项落实事项已办结 {{ f.follow_ups_done }} 项"
                "{% endif %}。",
            ),
            (
                "二是压实主体责任。",
                "严格对标《党委（党组）意识形态工作责任制实施办法》及省市县相关文件要求，将意识形态工作纳入"
                "办公室年度工作要点和领导干部目标管理的重要内容，层层传导压力"
                "{% if f.assessments_completed %}，完成意识形态工作责任制考核 {{ f.assessments_completed }}"
                " 人次，考核结果作为评先评优的重要依据{% endif %}，确保责任落地生根。",
            ),
            (
                "三是加强督导检查。",
                "结合县委开展的意识形态工作专项督查，办公室内部定期开展自查自纠，重点围绕政治方向、舆论导向、"
                "价值取向等方面进行审视和检讨。"
                "{% if f.findings %}针对巡视巡察和督查反馈涉及意识形态领域的问题 {{ f.findings }} 个，"
                "牵头制定整改方案，逐项明确整改措施、责任人和完成时限，{{ f.rectification_tasks }} 项整改任务"
                "已销号 {{ f.rectification_tasks_closed }} 项（完成率 {{ f.rectification_rate|show }}%）"
                "{% if f.mechanisms %}，建立长效机制 {{ f.mechanisms }} 项{% endif %}，确保问题整改清仓见底。"
                "{% endif %}",
            ),
        ],
    ),
    (
        "（二）深化理论武装，筑牢绝对忠诚思想根基。",
        "坚持把用党的创新理论武装头脑作为首要政治任务，持续在学懂弄通做实上下功夫。",
        [
            (
                "一是抓实“第一议题”学习。",
                "严格落实“第一议题”制度，将学习习近平总书记最新重要讲话和重要指示批示精神作为室务会、"
                "理论学习中心组学习和党支部会议的首要内容，以“第一议题”开展学习 {{ f.first_agenda_sessions }}"
                " 次{% if f.first_study_median_days is not none %}，重要讲话和文件从印发到首次学习中位用时"
                " {{ f.first_study_median_days|show }} 天{% endif %}。{{ since }} 年以来，累计组织开展理论学习"
                "中心组学习 {{ f.central_group_sessions }} 次，专题研讨交流 {{ f.thematic_discussions }} 次，"
                "其中围绕{{ focus_tags }}等主题进行专题研讨 {{ f.focus_discussions }} 次，班子成员带头谈认识、"
                "讲体会、谋举措，发挥了示范引领作用。",
            ),
            (
                "二是抓好主题教育学习。",
                "{% if f.reading_classes %}高标准高质量开展主题教育，举办为期{{ f.reading_class_days|cn }}天的"
                "“{{ f.reading_class_title }}”{% if f.reading_classes > 1 %}等专题读书班"
                " {{ f.reading_classes }} 期{% endif %}，系统学习了习近平总书记的权威著作和重要论述，"
                "全体党员干部在深学细悟中提升了政治判断力、政治领悟力、政治执行力。"
                "{% else %}结合主题教育组织党员干部深入学习习近平总书记的权威著作和重要论述。{% endif %}",
            ),
            (
                "三是创新学习方式载体。",
                "{% if platforms %}充分运用{{ platforms }}等线上平台，{% endif %}建立学习积分通报制度"
                "{% if f.points_bulletins %}，发布积分通报 {{ f.points_bulletins }} 期{% endif %}"
                "{% if f.points_monthly_average %}，党员干部人均每月学习积分 {{ f.points_monthly_average }}"
                " 分{% endif %}，营造比学赶超的浓厚氛围。同时，将意识形态教育与“三会一课”"
                "（{{ f.branch_meetings }} 次）、主题党日（{{ f.themed_party_days }} 次）等党内政治生活深度融合"
                "{% if f.other_activities %}，组织观看红色电影、参观革命历史纪念馆等活动"
                " {{ f.other_activities }} 次{% endif %}，使理论学习更加鲜活生动、入脑入心。",
            ),
        ],
    ),
    (
        "（三）加强阵地建设，巩固壮大主流思想舆论。",
        "管好用好各类意识形态阵地，是巩固思想防线、传播主流价值的关键。办公室坚持守土有责、守土负责、"
        "守土尽责，确保所有阵地可管可控。",
        [
            (
                "一是强化网络阵地管理。",
                "全面落实网络意识形态工作责任制和网络安全工作责任制，明确专人负责门户网站、微信公众号等"
                "网络平台的内容发布“三审三校”制度，共审核 {{ f.content_items_reviewed }} 条内容、发布"
                " {{ f.content_items_published }} 条，留存审校签字记录 {{ f.signoffs }} 条。"
                "{% if f.incidents %}对发现的 {{ f.incidents }} 起苗头性、倾向性问题，做到第一时间报告、"
                "第一时间处置，其中 {{ f.incidents_reported_in_time }} 起在时限内报告、"
                "{{ f.incidents_handled_in_time }} 起在时限内处置完毕。{% endif %}",
            ),
            (
                "二是强化舆情监测研判。",
                "建立健全重大舆情和突发事件舆论引导机制，严格落实 24 小时值班和信息报送制度"
                "{% if f.duty_shifts %}，安排值班 {{ f.duty_shifts }} 班次，报送信息 {{ f.information_reports }} 条"
                "{% endif %}。每季度组织一次舆情分析研判会，"
                "{{ f.quarters }} 个季度共召开 {{ f.opinion_reviews }} 次，对 {{ f.risks_assessed }} 个可能引发炒作"
                "的敏感问题进行风险评估，逐一制定应对预案，牢牢把握舆论引导的主动权和话语权。",
            ),
            (
                "三是强化实体阵地建设。",
                "加强对办公室宣传栏、电子显示屏等实体阵地的管理，内容更新 {{ f.physical_updates }} 次，"
                "确保更新及时、导向正确鲜明。抓住元旦、春节、国庆等重要时间节点和敏感时期，完成集中宣传任务"
                " {{ f.publicity_tasks_done }} 项，积极弘扬主旋律、传播正能量，坚决杜绝为错误思想言论提供传播渠道。",
            ),
        ],
    ),
]


def _font(run, name: str, size: float, bold: bool = False) -> None:
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = name
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _paragraph(document, parts, *, indent=True, align=None):
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.line_spacing = Pt(28)
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(32)
    if align is not None:
        paragraph.alignment = align
    for text, font, bold in parts:
        _font(paragraph.add_run(text), font, 16, bold)
    return paragraph


def default_template_bytes() -> bytes:
    """The built-in Word template (official-document fonts, 16-point body, 28-point lines)."""
    document = Document()
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(title.add_run(TITLE), "方正小标宋简体", 22)
    _paragraph(document, [(OPENING, "仿宋_GB2312", False)])
    _paragraph(document, [(PART_ONE, "黑体", False)])
    _paragraph(document, [(PART_ONE_INTRO, "仿宋_GB2312", False)])
    for heading, lead, points in SECTIONS:
        parts = [(heading, "楷体_GB2312", True), (lead, "仿宋_GB2312", False)]
        for first, text in points:
            parts += [(first, "仿宋_GB2312", True), (text, "仿宋_GB2312", False)]
        _paragraph(document, parts)
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()
