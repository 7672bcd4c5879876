"""Write the benchmark pipelines into PROJECT/pipelines: a 1,000-task fan-out/fan-in of noop
tasks, the same with `shell: true` tasks, and a 10,000-task chain of noop tasks."""
import sys, os
root = sys.argv[1]
os.makedirs(os.path.join(root, "pipelines"), exist_ok=True)
open(os.path.join(root, "dunya.yaml"), "w").write("name: bench\n")

def write(name, lines):
    open(os.path.join(root, "pipelines", name + ".yaml"), "w").write("\n".join(lines) + "\n")

for kind in ("noop", "shell"):
    t = ["id: fan_%s" % kind, "tasks:", "  - id: start", "    type: noop"]
    for i in range(1000):
        t += ["  - id: t%d" % i, "    type: %s" % kind, "    depends_on: start"]
        if kind == "shell":
            t += ["    params:", "      command: \"true\""]
    t += ["  - id: end", "    type: noop",
          "    depends_on: [%s]" % ", ".join("t%d" % i for i in range(1000))]
    write("fan_" + kind, t)
t = ["id: chain", "tasks:", "  - id: t0", "    type: noop"]
for i in range(1, 10000):
    t += ["  - id: t%d" % i, "    type: noop", "    depends_on: t%d" % (i - 1)]
write("chain", t)
