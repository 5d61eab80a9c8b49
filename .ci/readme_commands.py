"""Print one of the README's two quick-start commands (``main`` or ``test``), as a user copies it.

CI runs them in sequence in one checkout, exactly as a new user does, so that the README's own
first minute is what is tested (issue 14, item 11: the first command once broke the second).
"""

import re
import sys
from pathlib import Path

readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
blocks = re.findall(r"```bash\n(.*?)\n```", section, flags=re.S)
if len(blocks) < 2:
    sys.exit("README: the Quick start section must hold two bash blocks (main job, tests)")
main, test = (b.strip() for b in blocks[:2])
if "fundsim run" not in main or "pytest" not in test:
    sys.exit("README: the first Quick start block must run fundsim, the second the tests")
print(main if sys.argv[1:] == ["main"] else test)
