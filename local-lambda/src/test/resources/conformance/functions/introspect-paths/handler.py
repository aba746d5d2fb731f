import getpass
import os
import platform
import pwd
import stat
import subprocess


# What LocalStack's lambda_introspect.py looks at: the user, the machine, the working directory and
# who owns the directories Lambda provides. A path that is not there is reported as missing.
def handler(event, context):
    paths = {}
    for path in ["/var/task", "/opt", "/tmp", "/lambda-entrypoint.sh"]:
        label = path.replace("/", "_")
        try:
            status = os.stat(path)
        except FileNotFoundError:
            paths[f"{label}_mode"] = "missing"
            continue
        paths[f"{label}_mode"] = stat.filemode(status.st_mode)
        paths[f"{label}_uid"] = status.st_uid
        paths[f"{label}_owner"] = pwd.getpwuid(status.st_uid).pw_name
        paths[f"{label}_gid"] = status.st_gid
    return {
        "event": event,
        "user_login_name": getpass.getuser(),
        "user_whoami": subprocess.getoutput("whoami"),
        "platform_system": platform.system(),
        "platform_machine": platform.machine(),
        "pwd": os.getcwd(),
        "paths": paths,
    }
