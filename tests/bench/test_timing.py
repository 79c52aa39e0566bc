from bench.timing import percentiles, time_call


def test_percentiles_of_samples():
    stats = percentiles([5.0, 1.0, 3.0, 2.0, 4.0])
    assert stats == {"n": 5, "p50": 3.0, "p95": 5.0, "max": 5.0}


def test_time_call_returns_one_duration_per_call():
    calls = []
    samples = time_call(lambda: calls.append(1), 4)
    assert len(samples) == 4 and len(calls) == 4
    assert all(sample >= 0 for sample in samples)
