#!/usr/bin/env bash
# `make run`: migrate, seed the demo office, then serve the web and run one Celery worker with
# embedded beat on the embedded defaults (or on DATABASE_URL / CELERY_BROKER_URL when set).
# Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT="${PORT:-8000}"
PY=.venv/bin/python
export DEBUG="${DEBUG:-1}"

$PY manage.py migrate --noinput
$PY manage.py seed_demo

cat <<BANNER

================================================================
 意识形态工作责任制管理平台 已启动: http://127.0.0.1:${PORT}/
 演示账号 (用户名  密码  姓名  角色), 见 var/demo_logins.txt:
BANNER
if [ -f var/demo_logins.txt ]; then sed 's/^/   /' var/demo_logins.txt; fi
echo " 按 Ctrl-C 停止网站和后台任务。"
echo "================================================================"
echo

# Each of the two runs in its own process group (job control on), so that stopping it also
# stops its children (the autoreloader's server, the worker's beat). Ctrl-C stops both.
set -m
.venv/bin/celery -A ideology_office worker --beat --pool solo --loglevel INFO &
worker_group=$!
$PY manage.py runserver "127.0.0.1:${PORT}" &
web_group=$!

stop() {
  trap - INT TERM EXIT
  kill -TERM -- "-${worker_group}" "-${web_group}" 2>/dev/null || true
  wait 2>/dev/null || true
  echo "已停止。"
}
trap stop INT TERM EXIT
# Returns when either one ends (the other is then stopped too) or when Ctrl-C arrives.
wait -n
