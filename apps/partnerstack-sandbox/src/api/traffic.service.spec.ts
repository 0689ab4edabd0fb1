import { TrafficService } from './traffic.service';

describe(TrafficService.name, () => {
  let now: number;
  let traffic: TrafficService;

  beforeEach(() => {
    now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    traffic = new TrafficService();
  });

  afterEach(() => jest.restoreAllMocks());

  function requests(fingerprint: string, count: number, everyMs: number): void {
    for (let index = 0; index < count; index++) {
      traffic.record(fingerprint, 'rewards', 200);
      now += everyMs;
    }
  }

  it('reports the busiest 60-second window, overall and per token, wherever it fell', () => {
    requests('a', 30, 1_000); // 30 in 30 s
    requests('b', 50, 100); // then 50 in 5 s: the minute ending with b's last holds all 80
    now += 120_000;
    requests('a', 10, 10); // a burst long after, smaller than the peak

    const stats = traffic.allStats();
    expect(stats.peakRequestsPerMinute).toBe(80);
    expect(stats.total.peakPerMinute).toBe(80);
    expect(stats.agencies.a.peakPerMinute).toBe(30);
    expect(stats.agencies.b.peakPerMinute).toBe(50);
  });

  it('counts a window as the 60 seconds up to and including a request', () => {
    requests('a', 2, 60_000);
    expect(traffic.allStats().peakRequestsPerMinute).toBe(1);
    requests('a', 2, 59_999);
    expect(traffic.allStats().peakRequestsPerMinute).toBe(2);
  });

  it('keeps counting right over a long steady stream', () => {
    requests('a', 5_000, 30);
    expect(traffic.statsFor('a').peakPerMinute).toBe(2_000);
  });

  it('forgets the peaks with the stats', () => {
    requests('a', 5, 1);
    requests('b', 3, 1);
    traffic.resetStats('a');
    expect(traffic.statsFor('a').peakPerMinute).toBe(0);
    expect(traffic.statsFor('b').peakPerMinute).toBe(3);
    requests('a', 1, 1);
    expect(traffic.statsFor('a').peakPerMinute).toBe(1);
    traffic.resetStats();
    expect(traffic.allStats().peakRequestsPerMinute).toBe(0);
    requests('b', 1, 1);
    expect(traffic.allStats()).toMatchObject({ peakRequestsPerMinute: 1, agencies: { b: { peakPerMinute: 1 } } });
  });
});
