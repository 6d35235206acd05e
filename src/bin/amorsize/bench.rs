//! `amorsize bench`: the truth benchmark over the catalog, as JSON.

use amorsize::playground::benchmark::BenchRow;
use amorsize::playground::service::{JobSpec, Kind, Request, Response, Service};
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
}

pub fn run(args: BenchArgs, service: &Service) -> Result<(), String> {
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
            "  serial {:.1} ms, recommended {:.1} ms ({:.2}x, predicted {:.2}x), best {:.1} ms, regret {:.3}",
            row.serial_s * 1e3,
            row.recommended.time_s * 1e3,
            row.measured_speedup,
            row.predicted_speedup,
            row.best.time_s * 1e3,
            row.regret
        );
        rows.push(row);
    }
    let pool = amorsize::pool::current();
    let report = serde_json::json!({
        "platform": "native",
        "cores": pool.cores(),
        "threads": pool.threads(),
        "repeats": args.repeats,
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
