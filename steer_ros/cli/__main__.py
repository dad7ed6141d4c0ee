import sys

from steer_ros.cli import main

sys.exit(main())
