"""
Build time and peak memory of the Potjans-Diesmann microcircuit
(examples/potjans2014.py), optionally with a cProfile of the build.

    python bench/potjans_build.py [--scale 0.1] [--threads 2] [--tstop 0]
                                  [--profile FILE] [--top 25] [--max-rss-gb 10]

Times build_network() alone (time.perf_counter around it, after
sim.setup), then runs --tstop ms (0: none; the kernel finishes its
connection structures at the first run, so a short run shows the memory
the run needs too).  Prints the number of synapses, the build time, and
the peak RSS of the process (resource.getrusage ru_maxrss) after the
build and after the run.  --profile writes the build's cProfile stats to
FILE and prints the --top functions by internal and by cumulative time.
--max-rss-gb stops the process (exit status 3) when its resident set
grows beyond that many GiB, so that a build that needs more memory than
the machine has does not take the machine down with it.
"""

import argparse
import cProfile
import os
import pathlib
import pstats
import resource
import sys
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "examples"))

import potjans2014  # noqa: E402  (examples/, put on the path just above)


def peak_rss_gib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20   # KiB on Linux


def watch_rss(limit_gib):
    """Stops the process when its RSS exceeds limit_gib (checked every 0.2 s)."""
    page = os.sysconf("SC_PAGE_SIZE")

    def watch():
        while True:
            with open("/proc/self/statm") as f:
                rss = int(f.read().split()[1]) * page / 2 ** 30
            if rss > limit_gib:
                print("RSS %.2f GiB exceeds --max-rss-gb %g: stopped" % (rss, limit_gib),
                      flush=True)
                os._exit(3)
            time.sleep(0.2)
    threading.Thread(target=watch, daemon=True).start()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--tstop", type=float, default=0.0, help="ms to run after the build")
    parser.add_argument("--profile", default=None, help="write the build's cProfile here")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--max-rss-gb", type=float, default=10.0)
    args = parser.parse_args(argv)
    watch_rss(args.max_rss_gb)

    import pyNN.ranvier as sim
    sim.setup(timestep=potjans2014.DT, min_delay=potjans2014.MIN_DELAY, threads=args.threads)
    profile = cProfile.Profile() if args.profile else None
    t0 = time.perf_counter()
    if profile:
        profile.enable()
    populations, projections = potjans2014.build_network(sim, args.scale, args.scale)
    if profile:
        profile.disable()
    build = time.perf_counter() - t0
    n_synapses = sum(p.size() for p in projections.values())
    print("scale %g, %d threads: %d neurons, %d synapses; build %.2f s; peak RSS %.2f GiB"
          % (args.scale, args.threads, sum(p.size for p in populations.values()), n_synapses,
             build, peak_rss_gib()), flush=True)
    if args.tstop > 0:
        t0 = time.perf_counter()
        sim.run(args.tstop)
        print("run %g ms: %.2f s; peak RSS %.2f GiB"
              % (args.tstop, time.perf_counter() - t0, peak_rss_gib()), flush=True)
    if profile:
        profile.dump_stats(args.profile)
        stats = pstats.Stats(args.profile)
        stats.sort_stats("tottime").print_stats(args.top)
        stats.sort_stats("cumulative").print_stats(args.top)
    sim.end()
    return 0


if __name__ == "__main__":
    sys.exit(main())
