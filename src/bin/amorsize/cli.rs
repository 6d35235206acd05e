//! Argument parsing and output for each subcommand.

use crate::bench;
use amorsize::playground::service::{JobSpec, Kind, Request, Response, Service, ShapeSpec};
use amorsize::{ParamValue, Params, Start, Transfer};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::Read;
use std::process::ExitCode;

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
    /// Answer one request of the playground's protocol (JSON, as the browser sends it) with
    /// JSON; reads standard input when no request is given.
    Request {
        /// The request, such as '{"kind":"optimize","job":{"workload":"tiny"}}'.
        json: Option<String>,
    },
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
    fn spec(&self) -> JobSpec {
        JobSpec {
            workload: self.workload.clone(),
            params: self.params.iter().cloned().collect::<Params>(),
            n: self.n,
            transfer: match self.transfer {
                TransferArg::Shared => Transfer::Shared,
                TransferArg::Copy => Transfer::Copy,
            },
            start: if self.cold { Start::Cold } else { Start::Warm },
            max_workers: self.max_workers,
            budget_ms: Some(self.budget_ms as f64),
            ..JobSpec::default()
        }
    }

    /// A command typed at a terminal is its own confirmation: long jobs run.
    fn request(&self, kind: Kind) -> Request {
        Request {
            allow_long: true,
            ..Request::on(kind, self.spec())
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
    let service = Service::new();
    let ask = |request: &Request| service.handle(request, &|_| {}).map_err(|e| e.to_string());
    match cli.command {
        Command::List { json } => {
            let Response::Catalog(infos) = ask(&Request::new(Kind::Catalog))? else {
                unreachable!("a catalog request answers with the catalog")
            };
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
                        let flag = format!("--param {}={}", p.name, p.value);
                        let unit = if p.unit.is_empty() {
                            String::new()
                        } else {
                            format!(" ({})", p.unit)
                        };
                        println!("{:<14}   {flag:<30} {}{unit}", "", p.label);
                    }
                }
            }
        }
        Command::Optimize(args) => {
            let Response::Optimized(plan, report) = ask(&args.request(Kind::Optimize))? else {
                unreachable!("an optimize request answers with a plan")
            };
            if args.json {
                print_json(&plan);
            } else {
                let items = plan.profile.as_ref().map_or(0, |p| p.items);
                println!("{}: {} items\n", args.workload, items);
                if let Some(report) = report {
                    print!("{report}");
                }
            }
        }
        Command::Run {
            job: args,
            workers,
            chunk,
            serial,
        } => {
            let shape = match (workers, chunk, serial) {
                (_, _, true) => ShapeSpec::serial(),
                (Some(k), Some(c), _) => ShapeSpec::fixed(k, c),
                _ => ShapeSpec::recommended(),
            };
            let request = Request {
                shape: Some(shape),
                ..args.request(Kind::Execute)
            };
            let Response::Executed(executed) = ask(&request)? else {
                unreachable!("an execute request answers with a run")
            };
            let run = &executed.run;
            if args.json {
                print_json(run);
            } else if args.csv {
                print_csv(&run.chunks)?;
            } else {
                println!(
                    "{} on {}: {} items in {:.3} ms ({} chunks recorded)",
                    args.workload,
                    executed.plan.label(),
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
            let request = Request {
                workers: (!workers.is_empty()).then_some(workers),
                chunk_sizes: (!chunks.is_empty()).then_some(chunks),
                repeats,
                ..args.request(Kind::Sweep)
            };
            let Response::Swept(plan, sweep) = ask(&request)? else {
                unreachable!("a sweep request answers with a sweep")
            };
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
            let Response::Tuned(plan, tuned) = ask(&args.request(Kind::Tune))? else {
                unreachable!("a tune request answers with a tuning")
            };
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
        Command::Bench(args) => bench::run(args, &service)?,
        Command::Request { json } => {
            let text = match json {
                Some(text) => text,
                None => {
                    let mut text = String::new();
                    std::io::stdin()
                        .read_to_string(&mut text)
                        .map_err(|e| e.to_string())?;
                    text
                }
            };
            match service.handle_json(&text, &|_| {}) {
                Ok(value) => print_json(&value),
                Err(reply) => {
                    print_json(&reply);
                    return Err(reply.message);
                }
            }
        }
    }
    Ok(())
}
