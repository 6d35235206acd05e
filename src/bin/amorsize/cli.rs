//! Argument parsing and output for each subcommand.

use crate::bench;
use amorsize::job::{prepare, Job};
use amorsize::workloads::catalog;
use amorsize::{
    Options, ParamValue, Params, Plan, Report, Start, SweepOptions, Transfer, TuneOptions,
};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "amorsize",
    version,
    about = "Should this map run in parallel, with how many workers and what chunk size? Measured on this machine."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the catalog's workloads and their parameters.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Recommend workers and chunk size for a workload, with the full diagnostic report.
    Optimize(JobArgs),
    /// Run a workload once: with the recommendation, serially, or with a fixed shape.
    Run {
        #[command(flatten)]
        job: JobArgs,
        /// Workers for a fixed plan (with --chunk).
        #[arg(long, requires = "chunk")]
        workers: Option<usize>,
        /// Chunk size for a fixed plan (with --workers).
        #[arg(long, requires = "workers")]
        chunk: Option<usize>,
        /// Run a plain serial loop.
        #[arg(long, conflicts_with_all = ["workers", "chunk"])]
        serial: bool,
    },
    /// Measure a grid of worker counts and chunk sizes.
    Sweep {
        #[command(flatten)]
        job: JobArgs,
        /// Worker counts, comma separated (default: 1 up to the core count).
        #[arg(long, value_delimiter = ',')]
        workers: Vec<usize>,
        /// Chunk sizes, comma separated (default: a x4 ladder plus one chunk per worker).
        #[arg(long, value_delimiter = ',')]
        chunks: Vec<usize>,
        #[arg(long, default_value_t = 3)]
        repeats: usize,
    },
    /// Find the fastest shape by successive halving over the model's best candidates.
    Tune(JobArgs),
    /// The truth benchmark: every workload's recommendation against an exhaustive sweep.
    Bench(bench::BenchArgs),
}

#[derive(Clone, Copy, ValueEnum)]
enum TransferArg {
    Shared,
    Copy,
}

#[derive(Args)]
struct JobArgs {
    /// A catalog workload (see `amorsize list`).
    workload: String,
    /// Number of items (default: the workload's own).
    #[arg(short, long)]
    n: Option<usize>,
    /// Workload parameter, as name=value; repeat for several.
    #[arg(short, long = "param", value_parser = parse_param)]
    params: Vec<(String, ParamValue)>,
    #[arg(long, value_enum, default_value = "shared")]
    transfer: TransferArg,
    /// Pay worker start-up inside the run, as `with Pool()` does.
    #[arg(long)]
    cold: bool,
    /// Most workers to consider.
    #[arg(long)]
    max_workers: Option<usize>,
    /// Most milliseconds the sampler may spend.
    #[arg(long, default_value_t = 200)]
    budget_ms: u64,
    /// Print JSON instead of text.
    #[arg(long, conflicts_with = "csv")]
    json: bool,
    /// Print CSV instead of text (tables only).
    #[arg(long)]
    csv: bool,
}

fn parse_param(text: &str) -> Result<(String, ParamValue), String> {
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}` is not name=value"))?;
    let value = match value.parse::<f64>() {
        Ok(x) => ParamValue::Number(x),
        Err(_) => ParamValue::Text(value.to_string()),
    };
    Ok((name.trim().to_string(), value))
}

impl JobArgs {
    fn prepare(&self) -> amorsize::Result<Box<dyn Job>> {
        let params: Params = self.params.iter().cloned().collect();
        prepare(&self.workload, &params, self.n)
    }

    fn options(&self) -> Options {
        Options {
            max_workers: self.max_workers,
            time_budget: Duration::from_millis(self.budget_ms),
            transfer: match self.transfer {
                TransferArg::Shared => Transfer::Shared,
                TransferArg::Copy => Transfer::Copy,
            },
            start: if self.cold { Start::Cold } else { Start::Warm },
            ..Options::default()
        }
    }
}

fn print_json<T: serde::Serialize>(value: &T) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).expect("engine types serialize")
    );
}

fn print_csv<T: serde::Serialize>(rows: impl IntoIterator<Item = T>) -> Result<(), String> {
    let mut writer = csv::Writer::from_writer(std::io::stdout());
    for row in rows {
        writer.serialize(row).map_err(|e| e.to_string())?;
    }
    writer.flush().map_err(|e| e.to_string())
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

#[derive(serde::Serialize)]
struct SweepRow {
    workers: usize,
    chunk_size: usize,
    median_s: f64,
    min_s: f64,
    max_s: f64,
    predicted_s: Option<f64>,
}

fn run(cli: Cli) -> Result<(), String> {
    let fail = |e: amorsize::Error| e.to_string();
    match cli.command {
        Command::List { json } => {
            let infos = catalog();
            if json {
                print_json(&infos);
            } else {
                for info in infos {
                    println!(
                        "{:<14} {} (default n = {})",
                        info.name, info.title, info.default_n
                    );
                    println!("{:<14} {}", "", info.stands_for);
                    for p in &info.params {
                        println!("{:<14}   --param {}={} {}", "", p.name, p.value, p.unit);
                    }
                }
            }
        }
        Command::Optimize(args) => {
            let job = args.prepare().map_err(fail)?;
            let plan = job.optimize(&args.options()).map_err(fail)?;
            if args.json {
                print_json(&plan);
            } else {
                println!("{}: {} items\n", job.info().name, job.items());
                print!(
                    "{}",
                    Report::new(&plan, None).expect("optimized plans have a report")
                );
            }
        }
        Command::Run {
            job: args,
            workers,
            chunk,
            serial,
        } => {
            let job = args.prepare().map_err(fail)?;
            let options = args.options();
            let plan = match (workers, chunk, serial) {
                (_, _, true) => Plan::serial(),
                (Some(k), Some(c), _) => Plan::fixed(k, c),
                _ => job.optimize(&options).map_err(fail)?,
            };
            let run = job.execute(&plan, &options).map_err(fail)?;
            if args.json {
                print_json(&run);
            } else if args.csv {
                print_csv(&run.chunks)?;
            } else {
                println!(
                    "{} on {}: {} items in {:.3} ms ({} chunks recorded)",
                    job.info().name,
                    plan.label(),
                    run.items,
                    run.elapsed_s * 1e3,
                    run.chunks.len()
                );
            }
        }
        Command::Sweep {
            job: args,
            workers,
            chunks,
            repeats,
        } => {
            let job = args.prepare().map_err(fail)?;
            let options = args.options();
            let plan = job.optimize(&options).map_err(fail)?;
            let cores = plan.costs.as_ref().map_or(1, |c| c.cores);
            let mut grid = SweepOptions::grid(job.items(), cores);
            if !workers.is_empty() {
                grid.workers = workers;
            }
            if !chunks.is_empty() {
                grid.chunk_sizes = chunks;
            }
            grid.repeats = repeats;
            grid.transfer = options.transfer;
            grid.predict_with = Some(&plan);
            let sweep = job.sweep(&grid).map_err(fail)?;
            if args.json {
                print_json(&sweep);
            } else {
                let rows = sweep.points.iter().map(|p| SweepRow {
                    workers: p.workers,
                    chunk_size: p.chunk_size,
                    median_s: p.time.median_s,
                    min_s: p.time.min_s,
                    max_s: p.time.max_s,
                    predicted_s: p.predicted_s,
                });
                if args.csv {
                    print_csv(rows)?;
                } else {
                    if let Some(s) = &sweep.serial {
                        println!("serial                 {:>10.3} ms", s.median_s * 1e3);
                    }
                    println!("workers  chunk        median ms  predicted ms");
                    for r in rows {
                        println!(
                            "{:>7}  {:>10}  {:>10.3}  {:>12}",
                            r.workers,
                            r.chunk_size,
                            r.median_s * 1e3,
                            r.predicted_s
                                .map_or("-".into(), |p| format!("{:.3}", p * 1e3))
                        );
                    }
                    println!(
                        "best: {} workers x {} items, {:.3} ms; the optimizer chose {}",
                        sweep.best.workers,
                        sweep.best.chunk_size,
                        sweep.best.time.median_s * 1e3,
                        plan.label()
                    );
                }
            }
        }
        Command::Tune(args) => {
            let job = args.prepare().map_err(fail)?;
            let plan = job.optimize(&args.options()).map_err(fail)?;
            let tuned = job.tune(&plan, &TuneOptions::default()).map_err(fail)?;
            if args.json {
                print_json(&tuned);
            } else {
                println!(
                    "tuned: {} in {:.3} ms median ({} runs, {} rounds, {:.0} ms spent); model chose {}",
                    tuned.plan.label(),
                    tuned.best_time_s * 1e3,
                    tuned.runs,
                    tuned.rounds,
                    tuned.elapsed_s * 1e3,
                    plan.label()
                );
            }
        }
        Command::Bench(args) => bench::run(args)?,
    }
    Ok(())
}
