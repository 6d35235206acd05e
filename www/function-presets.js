// The tutorial's Python functions, translated into JavaScript for the Lab's function cell, with
// the Python shown beside them. `workload` names the catalog workload each one stands beside,
// so that a tutorial cell can link to "edit this workload" (#/lab?preset=<workload>).

export const PRESETS = [
  {
    id: 'cpu-loop',
    label: 'Getting started: cpu_intensive_function',
    n: 20000,
    items: 'i => i',
    python: `def cpu_intensive_function(x):
    """Simulate CPU-intensive work."""
    result = 0
    for i in range(10000):
        result += x ** 2
    return result

data = range(100)
optimal = optimize(cpu_intensive_function, data)`,
    js: `// The notebook's loop: 10,000 rounds of x squared. Python needs
// about 1 ms per item; V8 about 10 µs, so N is larger here.
function cpu_intensive_function(x) {
  let result = 0;
  for (let i = 0; i < 10000; i++) {
    result += x ** 2;
  }
  return result;
}`,
  },
  {
    id: 'transactions',
    label: 'Transactions: process_transaction',
    n: 5000,
    items: `i => [
  'TXN' + String(i).padStart(6, '0'),
  10 + (i * 7919 % 99001) / 100,
  ['food', 'travel', 'retail', 'online', 'utilities'][i % 5],
]`,
    python: `def process_transaction(transaction):
    transaction_id, amount, category = transaction
    tax = amount * 0.15
    fee = amount * 0.02
    total = amount + tax + fee
    risk_score = hash(transaction_id) % 1000
    return {'id': transaction_id, 'total': round(total, 2),
            'category': category,
            'risky': risk_score > 900 or amount > 900}

transactions = [(f"TXN{i:06d}", random.uniform(10, 1000),
                 random.choice(categories)) for i in range(5000)]`,
    js: `// Microseconds per item: expect the engine to keep it serial,
// as the notebook's run found.
function process_transaction([id, amount, category]) {
  const tax = amount * 0.15;
  const fee = amount * 0.02;
  const total = amount + tax + fee;
  let hash = 0; // Python's hash(), as a string hash
  for (let k = 0; k < id.length; k++) hash = (hash * 31 + id.charCodeAt(k)) >>> 0;
  const risk_score = hash % 1000;
  return { id, total: Math.round(total * 100) / 100, category,
           risky: risk_score > 900 || amount > 900 };
}`,
  },
  {
    id: 'collatz',
    label: 'Uneven: Collatz steps',
    n: 300000,
    items: 'i => i + 1',
    python: `def collatz_steps(n):
    steps = 0
    while n != 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        steps += 1
    return steps

data = range(1, 300001)`,
    js: `// Uneven: some numbers take a few steps, others hundreds.
function collatz_steps(n) {
  let steps = 0;
  while (n !== 1) {
    n = n % 2 === 0 ? n / 2 : 3 * n + 1;
    steps++;
  }
  return steps;
}`,
  },
  {
    id: 'io-wait',
    label: 'A wait standing in for an I/O call',
    n: 200,
    items: 'i => i',
    python: `def fetch_order(order_id):
    time.sleep(0.005)  # stands in for a 5 ms network or database call
    return {'id': order_id, 'status': 'ok'}

orders = range(200)`,
    js: `// A simulated 5 ms I/O call (a fetch, a database query): the thread
// waits and its core is free, so more workers than cores pay.
// Atomics.wait blocks a worker thread; without cross-origin isolation
// there is no SharedArrayBuffer, and it spins instead.
function fetch_order(order_id) {
  const until = performance.now() + 5;
  if (typeof SharedArrayBuffer === 'function') {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
  }
  while (performance.now() < until) {}
  return { id: order_id, status: 'ok' };
}`,
  },
];

export const presetById = (id) => PRESETS.find((p) => p.id === id);

/** The Lab link that opens the function cell on the preset for catalog workload `name`. */
export function editLink(name) {
  return presetById(name) ? `#/lab?preset=${encodeURIComponent(name)}` : null;
}
