//! `amorsize bench`: the truth benchmark over the catalog, as JSON.

use amorsize::playground::benchmark::{BenchRow, SmallRow};
use amorsize::playground::service::{JobSpec, Kind, Request, Response, Service};
use amorsize::workload::{ParamValue, Params};
use clap::Args;

#[derive(Args)]
pub struct BenchArgs {
    /// Workloads to run, comma separated (default: the whole catalog).
    #[arg(long, value_delimiter = ',')]
    workloads: Vec<String>,
    /// Runs per configuration; medians are reported.
    #[arg(long, default_value_t = 3)]
    repeats: usize,
    /// Scale every workload's benchmark size by this factor.
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
    /// Accepted for symmetry with other subcommands: output is always JSON.
    #[arg(long)]
    json: bool,
    /// The small-job benchmark instead: jobs of 0.1-200 ms serial (see `SMALL_JOBS`).
    #[arg(long)]
    small: bool,
}

fn run_small(service: &Service, workloads: &[String]) -> Result<(), String> {
    let ask = |request: &Request| service.handle(request, &|_| {}).map_err(|e| e.to_string());
    let Response::BenchSmallJobs(jobs) = ask(&Request::new(Kind::BenchSmallJobs))? else {
        unreachable!("a bench_small_jobs request answers with the grid")
    };
    let mut rows: Vec<SmallRow> = Vec::new();
    for job in jobs {
        if !workloads.is_empty() && !workloads.contains(&job.workload) {
            continue;
        }
        let spec = JobSpec {
            n: Some(job.n),
            params: job
                .cost_us
                .map(|us| Params::from([("cost_us".to_string(), ParamValue::Number(us))]))
                .unwrap_or_default(),
            ..JobSpec::named(&job.workload)
        };
        let Response::BenchSmall(row) = ask(&Request::on(Kind::BenchSmall, spec))? else {
            unreachable!("a bench_small request answers with a row")
        };
        eprintln!(
            "bench --small: {}{} x {}: serial {:.3} ms, {} {:.3} ms ({:.2}x, predicted {:.2}x), best {:.3} ms, regret {:.3}, outliers {}, capacity {:.2} (least {:.2}){}",
            row.workload,
            row.cost_us.map(|c| format!(" {c} µs")).unwrap_or_default(),
            row.items,
            row.serial_s * 1e3,
            if row.recommended.serial { "serial".to_string() } else { format!("{}x{}", row.recommended.workers, row.recommended.chunk_size) },
            row.recommended.time_s * 1e3,
            row.measured_speedup,
            row.predicted_speedup,
            row.best.time_s * 1e3,
            row.regret,
            row.outliers,
            row.capacity,
            row.least_capacity,
            match row.remeasured {
                0 => String::new(),
                times => format!(", measured {} times (a spell)", times + 1),
            },
        );
        rows.push(row);
    }
    let pool = amorsize::pool::current();
    let report = serde_json::json!({
        "platform": "native",
        "cores": pool.cores(),
        "threads": pool.threads(),
        "runs": amorsize::playground::benchmark::SMALL_RUNS,
        "calibrated_costs": amorsize::calibrate::costs(pool).0,
        "jobs": rows,
        "summary": ask(&Request {
            small_rows: Some(rows.clone()),
            ..Request::new(Kind::BenchSmallSummary)
        })?,
    });
    println!(
        "{}",
        serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
    );
    Ok(())
}

pub fn run(args: BenchArgs, service: &Service) -> Result<(), String> {
    if args.small {
        return run_small(service, &args.workloads);
    }
    let ask = |request: &Request| service.handle(request, &|_| {}).map_err(|e| e.to_string());
    if !(args.scale > 0.0 && args.scale.is_finite()) {
        return Err(format!(
            "--scale must be a positive number, not {}",
            args.scale
        ));
    }
    let Response::Catalog(catalog) = ask(&Request::new(Kind::Catalog))? else {
        unreachable!("a catalog request answers with the catalog")
    };
    let infos: Vec<_> = catalog
        .into_iter()
        .filter(|i| args.workloads.is_empty() || args.workloads.contains(&i.name))
        .collect();
    if let Some(missing) = args
        .workloads
        .iter()
        .find(|w| !infos.iter().any(|i| &i.name == *w))
    {
        return Err(amorsize::Error::UnknownWorkload(missing.clone()).to_string());
    }
    // The process's one-time calibration comes first, as the page takes it at start-up, so
    // that the first workload's decision time is a decision's.
    let calibration = amorsize::clock::Stopwatch::start();
    amorsize::calibrate::costs(amorsize::pool::current());
    let calibration_s = calibration.elapsed();
    eprintln!("bench: calibrated in {:.1} ms", calibration_s * 1e3);
    let mut rows: Vec<BenchRow> = Vec::new();
    for info in infos {
        let n = ((info.bench_n as f64 * args.scale) as usize).max(1);
        eprintln!("bench: {} ({} items)", info.name, n);
        let request = Request {
            repeats: args.repeats,
            ..Request::on(
                Kind::Bench,
                JobSpec {
                    n: Some(n),
                    ..JobSpec::named(&info.name)
                },
            )
        };
        let Response::Bench(row) = ask(&request)? else {
            unreachable!("a bench request answers with a row")
        };
        eprintln!(
            "  serial {:.1} ms, recommended {:.1} ms ({:.2}x, predicted {:.2}x), best {:.1} ms, regret {:.3}, outliers {} ({} while the machine ran slow)",
            row.serial_s * 1e3,
            row.recommended.time_s * 1e3,
            row.measured_speedup,
            row.predicted_speedup,
            row.best.time_s * 1e3,
            row.regret,
            row.outliers,
            row.machine_slow_outliers,
        );
        rows.push(row);
    }
    let pool = amorsize::pool::current();
    let report = serde_json::json!({
        "platform": "native",
        "cores": pool.cores(),
        "threads": pool.threads(),
        "repeats": args.repeats,
        "calibration_s": calibration_s,
        "calibrated_costs": amorsize::calibrate::costs(pool).0,
        "workloads": rows,
        "summary": ask(&Request {
            rows: Some(rows.clone()),
            ..Request::new(Kind::BenchSummary)
        })?,
    });
    println!(
        "{}",
        serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
    );
    Ok(())
}
