#!/usr/bin/env python3
"""The three-stage network of benches/data/three-stage.toml in two Python simulators, for context.

    pip install simpy ciw          # or: pip install --target DIR simpy ciw; PYTHONPATH=DIR
    python3 benches/peers.py [HOURS]

Arrivals 60 an hour to stage a; a (4 servers, exponential 3 min) sends 0.6 to b and 0.4 to c; b (3
servers, 3.6 min) sends 0.5 to c and 0.5 out; c (2 servers, 2 min) sends 0.1 back to a and 0.9 out.
Each simulator runs HOURS (default 2,000) simulated hours and prints the trucks it simulated per
second of wall time and their mean time in the network, beside the exact value of the Jackson
network (M/M/c stations, Erlang C). Neither is needed by landport's build or tests: the README's
Speed section quotes one run of this script.
"""

import math
import random
import sys
import time

ARRIVALS = 60.0  # per hour
STAGES = {  # servers, mean service (hours), routes (to, probability); None is the exit
    "a": (4, 3 / 60, [("b", 0.6), ("c", 0.4)]),
    "b": (3, 3.6 / 60, [("c", 0.5), (None, 0.5)]),
    "c": (2, 2 / 60, [("a", 0.1), (None, 0.9)]),
}


def exact_mean_time():
    """Mean time in the network from the traffic equations and Erlang C at each station."""
    # lambda_a = 60 + 0.1 c, lambda_b = 0.6 a, lambda_c = 0.4 a + 0.5 b
    a = ARRIVALS / (1 - 0.1 * (0.4 + 0.5 * 0.6))
    rates = {"a": a, "b": 0.6 * a, "c": 0.4 * a + 0.5 * 0.6 * a}
    in_system = 0.0
    for name, (servers, service, _) in STAGES.items():
        offered = rates[name] * service
        rho = offered / servers
        tail = offered**servers / math.factorial(servers) / (1 - rho)
        erlang_c = tail / (sum(offered**k / math.factorial(k) for k in range(servers)) + tail)
        wait = erlang_c * service / (servers - offered)
        in_system += rates[name] * (wait + service)
    return in_system / ARRIVALS  # Little's law over the whole network


def route(rng, routes):
    u = rng.random()
    for to, p in routes:
        if u < p:
            return to
        u -= p
    return routes[-1][0]


def simpy_run(hours, seed=1):
    import simpy

    rng = random.Random(seed)
    env = simpy.Environment()
    desks = {name: simpy.Resource(env, capacity=servers) for name, (servers, _, _) in STAGES.items()}
    times = []

    def truck():
        arrived = env.now
        stage = "a"
        while stage is not None:
            servers, service, routes = STAGES[stage]
            with desks[stage].request() as request:
                yield request
                yield env.timeout(rng.expovariate(1 / service))
            stage = route(rng, routes)
        times.append(env.now - arrived)

    def source():
        while True:
            yield env.timeout(rng.expovariate(ARRIVALS))
            env.process(truck())

    env.process(source())
    env.run(until=hours)
    return times


def ciw_run(hours, seed=1):
    import ciw

    names = list(STAGES)
    routing = [
        [float(sum(p for to, p in STAGES[source][2] if to == target)) for target in names]
        for source in names
    ]
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(ARRIVALS), None, None],
        service_distributions=[ciw.dists.Exponential(1 / STAGES[n][1]) for n in names],
        number_of_servers=[STAGES[n][0] for n in names],
        routing=routing,
    )
    ciw.seed(seed)
    simulation = ciw.Simulation(network)
    simulation.simulate_until_max_time(hours)
    records = simulation.get_all_records()
    # A customer's records are one a stage visit; its time in the network spans them all.
    spans = {}
    for record in records:
        first, last = spans.get(record.id_number, (record.arrival_date, record.exit_date))
        spans[record.id_number] = (min(first, record.arrival_date), max(last, record.exit_date))
    exited = {record.id_number for record in records if record.destination == -1}
    return [spans[i][1] - spans[i][0] for i in exited]


def main():
    hours = float(sys.argv[1]) if len(sys.argv) > 1 else 2000.0
    exact = exact_mean_time()
    print(f"three-stage network, {hours:g} simulated hours; exact mean time in the network "
          f"{exact:.5f} h")
    for name, run in [("SimPy", simpy_run), ("Ciw", ciw_run)]:
        start = time.perf_counter()
        times = run(hours)
        seconds = time.perf_counter() - start
        mean = sum(times) / len(times)
        print(f"  {name:<6} {len(times):>9,} trucks in {seconds:7.2f} s  "
              f"{len(times) / seconds:>10,.0f} trucks/s  mean time in the network {mean:.5f} h")


if __name__ == "__main__":
    main()
