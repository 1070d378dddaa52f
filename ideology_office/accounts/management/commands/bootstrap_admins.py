"""Creates the three administrators that replace the superuser (三员分立): 系统管理员, 安全管理员
and 审计管理员, each with a one-time password printed once, to be changed at first sign-in (and a
second factor to enrol there)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from ideology_office.accounts import roles
from ideology_office.accounts.models import User
from ideology_office.accounts.roles import Role
from ideology_office.accounts.services import assign_roles, one_time_password
from ideology_office.common.audit import audit_context

ACCOUNTS = (
    ("sysadmin", "系统管理员", Role.SYSTEM_ADMIN),
    ("secadmin", "安全管理员", Role.SECURITY_ADMIN),
    ("auditadmin", "审计管理员", Role.AUDIT_ADMIN),
)


class Command(BaseCommand):
    help = "Create the system, security and audit administrators with one-time passwords."

    def add_arguments(self, parser):
        parser.add_argument("--prefix", default="", help="Prefix for the three user names.")

    def handle(self, *args, prefix="", **options):
        existing = User.objects.with_role(*roles.ADMINISTRATOR_ROLES)
        if existing.exists():
            names = "、".join(existing.values_list("username", flat=True))
            raise CommandError(
                f"已有管理员账号（{names}），不再创建。忘记密码请由安全管理员在后台重置；"
                "三个管理员账号都无法登录时，请联系运维人员处理。"
            )
        created = []
        with transaction.atomic(), audit_context(label="bootstrap_admins"):
            for username, real_name, role in ACCOUNTS:
                username = f"{prefix}{username}"
                if User.objects.filter(username=username).exists():
                    raise CommandError(f"用户名 {username} 已被占用，请用 --prefix 换一个前缀。")
                password = one_time_password()
                person = User(
                    username=username, real_name=real_name, is_staff=True, must_change_password=True
                )
                person.set_password(password)
                person.save()
                assign_roles(person, [role])
                created.append((username, role, password))
        self.stdout.write(
            "已创建三个管理员账号（三员分立）。密码只显示这一次，首次登录时必须修改，并绑定动态口令："
        )
        for username, role, password in created:
            self.stdout.write(f"  {role}  用户名 {username}  一次性密码 {password}")
