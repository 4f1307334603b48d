"""The project is wired together: Django's system checks pass and the engine imports."""
from django.core.management import call_command


def test_django_system_checks_pass():
    call_command("check", fail_level="WARNING")


def test_engine_imports_without_django():
    import subprocess
    import sys

    code = "import sys, engine; assert 'django' not in sys.modules, 'engine imported Django'"
    subprocess.run([sys.executable, "-c", code], check=True)
