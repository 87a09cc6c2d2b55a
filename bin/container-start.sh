#!/bin/sh
# The Docker image's command: hopwatch with the Node flags bin/hopwatch.js asks for in its first line,
# and V8's heap sized from the container's memory limit (bin/heap-flag.js) unless NODE_OPTIONS sizes it.
set -eu
cd "$(dirname "$0")/.."
heap=""
case " ${NODE_OPTIONS:-} " in
  *" --max-old-space-size="* | *" --max_old_space_size="*) ;;
  *) heap=$(node bin/heap-flag.js) ;;
esac
# $heap unquoted: empty, or one flag.
exec node $heap --max-semi-space-size=64 --no-allocation-site-pretenuring --disable-warning=TimeoutNegativeWarning bin/hopwatch.js "$@"
