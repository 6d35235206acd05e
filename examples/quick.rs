fn main() {
    let heavy: Vec<u64> = (0..2000).collect();
    let work = |x: &u64| {
        let mut r = 0f64;
        for i in 0..50_000u64 {
            let v = (*x + i) as f64;
            r += v * v;
        }
        r
    };
    let plan = amorsize::optimize(&heavy, work).unwrap();
    println!("{}", amorsize::Report::new(&plan, None).unwrap());
    let serial = amorsize::execute(&heavy, work, &amorsize::Plan::serial()).unwrap();
    let run = amorsize::execute(&heavy, work, &plan).unwrap();
    println!("serial {:?} plan {:?} speedup {:.2}", serial.elapsed, run.elapsed, serial.elapsed.as_secs_f64()/run.elapsed.as_secs_f64());
    let tiny: Vec<u64> = (0..1_000_000).collect();
    let plan = amorsize::optimize(&tiny, |x| x * 2).unwrap();
    println!("{}", amorsize::Report::new(&plan, None).unwrap());
    let serial = amorsize::execute(&tiny, |x| x*2, &amorsize::Plan::serial()).unwrap();
    let run = amorsize::execute(&tiny, |x| x*2, &plan).unwrap();
    let blind = amorsize::execute(&tiny, |x| x*2, &amorsize::Plan::fixed(2,1)).unwrap();
    println!("serial {:?} plan {:?} blind {:?}", serial.elapsed, run.elapsed, blind.elapsed);
}
