import cliProgress from 'cli-progress';

/** Step progress ("step n of m", rows/s) on stderr: a bar on a terminal, plain lines otherwise. */
export class StepProgress {
  private bar: cliProgress.SingleBar | undefined;
  private started = performance.now();
  private readonly tty = Boolean(process.stderr.isTTY) && !process.env.CI;

  constructor(
    private readonly title: string,
    private readonly quiet = false,
  ) {}

  update(step: number, steps: number, label: string, rows?: number): void {
    if (this.quiet) return;
    const seconds = (performance.now() - this.started) / 1000;
    const rate = rows !== undefined && seconds > 0 ? `${Math.round(rows / seconds).toLocaleString('en-US')} rows/s` : '';
    if (this.tty) {
      if (!this.bar) {
        this.bar = new cliProgress.SingleBar(
          { format: `${this.title} [{bar}] step {value}/{total} {label} {rows} {rate}`, hideCursor: true, stream: process.stderr },
          cliProgress.Presets.shades_classic,
        );
        this.bar.start(steps, 0, { label: '', rows: '', rate: '' });
      }
      this.bar.update(step, { label, rows: rows !== undefined ? `${rows.toLocaleString('en-US')} rows` : '', rate });
    } else {
      const rowText = rows !== undefined ? ` · ${rows.toLocaleString('en-US')} rows` : '';
      process.stderr.write(`${this.title}: step ${step}/${steps} ${label}${rowText}${rate ? ` · ${rate}` : ''}\n`);
    }
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}

/** A bar over a known total (rows, customers …) with rate and ETA. */
export class CountProgress {
  private bar: cliProgress.SingleBar | undefined;
  private lastLog = 0;
  private readonly started = performance.now();
  private readonly tty = Boolean(process.stderr.isTTY) && !process.env.CI;

  constructor(
    private readonly title: string,
    private readonly quiet = false,
  ) {}

  update(label: string, done: number, total: number): void {
    if (this.quiet) return;
    if (this.tty) {
      if (!this.bar) {
        this.bar = new cliProgress.SingleBar(
          { format: `${this.title} {label} [{bar}] {percentage}% {value}/{total} · {speed} rows/s · eta {eta_formatted}`, stream: process.stderr },
          cliProgress.Presets.shades_classic,
        );
        this.bar.start(total, 0, { label, speed: 0 });
      }
      this.bar.setTotal(total);
      this.bar.update(done, { label, speed: this.speed(done) });
    } else if (performance.now() - this.lastLog > 5000 || done === total) {
      this.lastLog = performance.now();
      process.stderr.write(`${this.title} ${label}: ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} · ${this.speed(done)} rows/s\n`);
    }
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }

  private speed(done: number): string {
    const seconds = (performance.now() - this.started) / 1000;
    return seconds > 0 ? Math.round(done / seconds).toLocaleString('en-US') : '0';
  }
}
