// Drives a provider's Ocean compute endpoints with the unmodified ocean.js client
// (@oceanprotocol/lib), for OceanJsClientTest. Every request is built and sent by ocean.js's
// public API (ProviderInstance, signRequest); this script only chooses the calls, and prints
// what ocean.js returned, threw or logged as JSON lines on stdout, one object per line with a
// "step" field, for the Java test to assert on. It never builds a request itself.
//
//   node oceanjs-client.mjs <flow> --provider URL [options]
//
// Flows:
//   environments  isValidProvider, getComputeEnvironments, getNonce
//   compute       freeComputeStart, status polled to the end, live logs streamed while the job
//                 runs, every result downloaded (whole and from an offset); with --other-key, a
//                 second wallet's result download and log stream of this job; a replayed
//                 signature (a result URL's nonce and signature sent twice)
//   stop          freeComputeStart of a long job, computeStop once it runs, status to the end
//   paid          paid compute on a chain (anvil): getComputeEnvironments (the environment's fees),
//                 initializeCompute (providerFee and escrow payment), the order (Datatoken.startOrder
//                 with that providerFee, for the environment's consumerAddress), the escrow funded
//                 (approve, EscrowContract.deposit and authorize of the payee), computeStart with
//                 the order, status to the end, every result downloaded, the escrow's funds and
//                 locks as ocean.js reads them; then a start with a transferTxId that is no order
//                 (refused), and, with --too-many-cpus, a start the deposit cannot pay for
//
// Options:
//   --provider URL        the provider's root URL (http://127.0.0.1:PORT)
//   --key HEX             the consumer's private key
//   --other-key HEX       a second wallet's private key (compute flow)
//   --environment ID      the compute environment (default: the first one advertising `free`)
//   --datasets JSON       the ComputeAsset[] to compute on
//   --algorithm JSON      the ComputeAlgorithm to run
//   --timeout-seconds N   how long to wait for a job (default 120)
//   --rpc URL             paid: the chain's JSON-RPC URL
//   --chain-id N          paid: the chain id (default 8996, ocean.js's "development")
//   --datatoken ADDRESS   paid: the dataset's datatoken; --service-index N its service's index
//   --resources JSON      paid: the ComputeResourceRequest[] to pay for
//   --max-job-duration N  paid: seconds
//   --deposit N           paid: whole payment tokens to deposit in the escrow
//   --too-many-cpus N     paid: also start a job of N cpus, which the deposit does not cover
//
// Exit code: 0 when the flow ran to its end (what the provider answered is for the test to
// judge), 1 when ocean.js threw where the flow did not expect it (the last line is an "error"
// step), 2 on bad arguments.
import { createHash } from 'node:crypto'
import { JsonRpcProvider, Wallet, formatUnits } from 'ethers'
import {
  Datatoken,
  EscrowContract,
  LoggerInstance,
  ProviderInstance,
  approve
} from '@oceanprotocol/lib'

const RUNNING = 40
const FINISHED = 70

function emit(step, fields) {
  process.stdout.write(JSON.stringify({ step, at: Date.now(), ...fields }) + '\n')
}

// Every request ocean.js sends, with the status it got, on stderr: the Java test puts stderr into
// its failure message, so that a failure names the endpoint. Observation only: the request is
// ocean.js's, unchanged.
const originalFetch = globalThis.fetch
globalThis.fetch = async (input, init) => {
  const method = (init && init.method) || 'GET'
  const url = String(input instanceof Request ? input.url : input)
  try {
    const response = await originalFetch(input, init)
    process.stderr.write(`ocean.js ${method} ${url} -> ${response.status}\n`)
    return response
  } catch (e) {
    process.stderr.write(`ocean.js ${method} ${url} -> ${e}\n`)
    throw e
  }
}

function parseArgs(argv) {
  const [flow, ...rest] = argv
  const options = {}
  for (let i = 0; i < rest.length; i += 2) {
    const name = rest[i]
    if (!name.startsWith('--') || i + 1 >= rest.length) {
      throw new UsageError(`expected --name value pairs, got ${JSON.stringify(rest.slice(i))}`)
    }
    options[name.slice(2)] = rest[i + 1]
  }
  return { flow, options }
}

class UsageError extends Error {}

function required(options, name) {
  const value = options[name]
  if (value === undefined) {
    throw new UsageError(`--${name} is required`)
  }
  return value
}

function json(options, name) {
  try {
    return JSON.parse(required(options, name))
  } catch (e) {
    if (e instanceof UsageError) throw e
    throw new UsageError(`--${name} is not JSON: ${e.message}`)
  }
}

// ocean.js reports the HTTP status of a refused log stream or start only through its logger
// (computeStreamableLogs then returns null): keep what it logs, so a step can show it.
const logged = []
for (const level of ['error', 'warn', 'log']) {
  const original = LoggerInstance[level].bind(LoggerInstance)
  LoggerInstance[level] = (...args) => {
    logged.push(args.map((a) => (typeof a === 'string' ? a : safeJson(a))).join(' '))
    original(...args)
  }
}

function safeJson(value) {
  if (value instanceof Error) return `${value.name}: ${value.message}`
  try {
    return JSON.stringify(value)
  } catch {
    return String(value)
  }
}

function takeLogged() {
  return logged.splice(0, logged.length)
}

function errorFields(e) {
  return { error: e instanceof Error ? e.message : String(e), logged: takeLogged() }
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function firstJob(answer) {
  return Array.isArray(answer) ? answer[0] : answer
}

// ocean-node's jobs end at 70 ("finished"), whatever their outcome; a job the provider reports
// with a dateFinished is over too, whatever its code (not every code above 70 is an end).
function isOver(job) {
  if (!job) return false
  if (job.status === FINISHED) return true
  const finished = job.dateFinished
  return finished !== undefined && finished !== null && finished !== '' && Number(finished) > 0
}

async function readAll(iterable) {
  const chunks = []
  for await (const chunk of iterable) {
    chunks.push(Buffer.from(chunk))
  }
  return Buffer.concat(chunks)
}

function bytesFields(bytes) {
  return {
    size: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    base64: bytes.length <= 1024 * 1024 ? bytes.toString('base64') : null
  }
}

async function environments(provider, options) {
  emit('isValidProvider', { valid: await ProviderInstance.isValidProvider(provider) })
  const envs = await ProviderInstance.getComputeEnvironments(provider)
  emit('environments', { environments: envs })
  if (options.key) {
    const wallet = new Wallet(options.key)
    emit('nonce', {
      address: wallet.address,
      nonce: await ProviderInstance.getNonce(provider, wallet.address)
    })
  }
}

async function chooseEnvironment(provider, options) {
  if (options.environment) return options.environment
  const envs = await ProviderInstance.getComputeEnvironments(provider)
  const free = (envs || []).find((env) => env.free)
  if (!free) {
    throw new Error(`no environment advertises free compute: ${safeJson(envs)}`)
  }
  return free.id
}

async function start(provider, wallet, options) {
  const environment = await chooseEnvironment(provider, options)
  const answer = await ProviderInstance.freeComputeStart(
    provider,
    wallet,
    environment,
    json(options, 'datasets'),
    json(options, 'algorithm')
  )
  emit('start', { environment, answer, logged: takeLogged() })
  const job = firstJob(answer)
  if (!job || !job.jobId) {
    throw new Error(`freeComputeStart returned no job: ${safeJson(answer)}`)
  }
  return job.jobId
}

async function status(provider, wallet, jobId) {
  return firstJob(await ProviderInstance.computeStatus(provider, wallet, jobId))
}

// Polls status until the job is over, emitting every change; calls whileRunning once, the first
// time the job is seen running (or over, if it never was seen running).
async function pollToEnd(provider, wallet, jobId, deadline, whileRunning) {
  let last
  let runningSeen = false
  let pending
  for (;;) {
    const job = await status(provider, wallet, jobId)
    if (!last || job.status !== last.status || job.statusText !== last.statusText) {
      emit('status', { job })
    }
    last = job
    if (!runningSeen && (job.status === RUNNING || isOver(job))) {
      runningSeen = true
      if (whileRunning) pending = whileRunning(job)
    }
    if (isOver(job)) break
    if (Date.now() > deadline) {
      throw new Error(`job ${jobId} not over in time; last status ${safeJson(job)}`)
    }
    await sleep(200)
  }
  if (pending) await pending
  emit('final', { job: last })
  return last
}

// Streams the job's live logs (computeStreamableLogs) until the provider closes the stream.
// ocean.js returns null when the provider refuses (not running yet, or not the owner); the job
// may be between "started" and "running" then, so it asks again until the job is over.
async function streamLogs(provider, wallet, jobId, deadline) {
  let attempts = 0
  const refused = []
  for (;;) {
    attempts++
    const stream = await ProviderInstance.computeStreamableLogs(provider, wallet, jobId)
    if (stream) {
      const chunks = []
      const times = []
      for await (const chunk of stream) {
        chunks.push(Buffer.from(chunk))
        times.push(Date.now())
      }
      const text = Buffer.concat(chunks).toString('utf8')
      emit('logs', { attempts, chunks: chunks.length, text, chunkTimes: times, refused })
      return
    }
    refused.push(...takeLogged())
    const job = await status(provider, wallet, jobId)
    if (isOver(job) || Date.now() > deadline) {
      emit('logs', { attempts, chunks: 0, text: null, refused, jobStatus: job.status })
      return
    }
    await sleep(100)
  }
}

async function otherWalletLogs(provider, other, jobId) {
  let returned
  try {
    returned = await ProviderInstance.computeStreamableLogs(provider, other, jobId)
  } catch (e) {
    emit('other-logs', { threw: true, ...errorFields(e) })
    return
  }
  if (returned) {
    const text = (await readAll(returned)).toString('utf8')
    emit('other-logs', { threw: false, returned: 'stream', text, logged: takeLogged() })
  } else {
    emit('other-logs', { threw: false, returned: null, logged: takeLogged() })
  }
}

async function downloadResults(provider, wallet, job) {
  for (const result of job.results || []) {
    const index = result.index ?? job.results.indexOf(result)
    const whole = await readAll(
      await ProviderInstance.getComputeResult(provider, wallet, job.jobId, index)
    )
    emit('result', { index, filename: result.filename, listed: result, ...bytesFields(whole) })
    if (whole.length > 1) {
      const offset = Math.floor(whole.length / 2)
      const tail = await readAll(
        await ProviderInstance.getComputeResult(provider, wallet, job.jobId, index, offset)
      )
      emit('result-offset', { index, offset, ...bytesFields(tail) })
    }
  }
}

async function otherWalletResult(provider, other, job) {
  try {
    const bytes = await readAll(
      await ProviderInstance.getComputeResult(provider, other, job.jobId, 0)
    )
    emit('other-result', { threw: false, ...bytesFields(bytes), logged: takeLogged() })
  } catch (e) {
    emit('other-result', { threw: true, ...errorFields(e) })
  }
}

// A replay: ocean.js signs a result URL (getComputeResultUrl fetches the nonce and signs, without
// spending it); that URL's consumerAddress, nonce and signature are then handed back to ocean.js
// as a ready CompleteSignature, twice. The first use spends the nonce; the second is a replay.
async function replay(provider, wallet, job) {
  const url = new URL(await ProviderInstance.getComputeResultUrl(provider, wallet, job.jobId, 0))
  const signature = {
    consumerAddress: url.searchParams.get('consumerAddress'),
    nonce: url.searchParams.get('nonce'),
    signature: url.searchParams.get('signature')
  }
  emit('replay-signature', { nonce: signature.nonce, consumerAddress: signature.consumerAddress })
  for (const attempt of ['first', 'second']) {
    try {
      const bytes = await readAll(
        await ProviderInstance.getComputeResult(provider, signature, job.jobId, 0)
      )
      emit('replay', { attempt, threw: false, size: bytes.length, logged: takeLogged() })
    } catch (e) {
      emit('replay', { attempt, threw: true, ...errorFields(e) })
    }
  }
}

async function compute(provider, options, deadline) {
  const wallet = new Wallet(required(options, 'key'))
  const other = options['other-key'] ? new Wallet(options['other-key']) : null
  emit('wallets', { address: wallet.address, other: other ? other.address : null })
  const jobId = await start(provider, wallet, options)
  const job = await pollToEnd(provider, wallet, jobId, deadline, async () => {
    // the other wallet first, while the job surely still runs; then the owner's stream
    if (other) await otherWalletLogs(provider, other, jobId)
    await streamLogs(provider, wallet, jobId, deadline)
  })
  await downloadResults(provider, wallet, job)
  if (other) await otherWalletResult(provider, other, job)
  await replay(provider, wallet, job)
  emit('nonce', {
    address: wallet.address,
    nonce: await ProviderInstance.getNonce(provider, wallet.address)
  })
}

async function stop(provider, options, deadline) {
  const wallet = new Wallet(required(options, 'key'))
  const jobId = await start(provider, wallet, options)
  await pollToEnd(provider, wallet, jobId, deadline, async (job) => {
    const answer = await ProviderInstance.computeStop(jobId, provider, wallet)
    emit('stop', { statusBefore: job.status, answer, logged: takeLogged() })
  })
}

function chainConfig(options, chainId, escrow) {
  // an explicit Config: ocean.js's ConfigHelper reads the "development" chain's addresses from a
  // bundled address.json that does not describe this chain
  return {
    chainId,
    network: 'development',
    nodeUri: required(options, 'rpc'),
    escrow,
    explorerUri: '',
    oceanTokenSymbol: 'OCEAN',
    transactionBlockTimeout: 50,
    transactionConfirmationBlocks: 1,
    transactionPollingTimeout: 60,
    gasFeeMultiplier: 1
  }
}

async function paidStart(provider, wallet, environment, datasets, algorithm, options, token) {
  return ProviderInstance.computeStart(
    provider,
    wallet,
    environment.id,
    datasets,
    algorithm,
    Number(required(options, 'max-job-duration')),
    token,
    json(options, 'resources'),
    Number(options['chain-id'] ?? 8996)
  )
}

async function paid(provider, options, deadline) {
  const chainId = Number(options['chain-id'] ?? 8996)
  // no request cache: ethers would otherwise answer the next transaction's nonce from the last one
  const rpc = new JsonRpcProvider(required(options, 'rpc'), chainId, {
    staticNetwork: true,
    cacheTimeout: -1
  })
  rpc.pollingInterval = 100
  const wallet = new Wallet(required(options, 'key'), rpc)
  emit('wallets', { address: wallet.address })
  const envs = await ProviderInstance.getComputeEnvironments(provider)
  const environment = (envs || []).find((env) => env.id === required(options, 'environment'))
  emit('environment', { environment })
  if (!environment) throw new Error(`no environment ${options.environment}: ${safeJson(envs)}`)
  const fee = ((environment.fees || {})[String(chainId)] || [])[0]
  if (!fee) throw new Error(`environment ${environment.id} has no fees on ${chainId}`)
  const token = fee.feeToken
  const datasets = json(options, 'datasets')
  const algorithm = json(options, 'algorithm')
  const resources = json(options, 'resources')
  const maxJobDuration = Number(required(options, 'max-job-duration'))

  const initialized = await ProviderInstance.initializeCompute(
    datasets,
    algorithm,
    environment.id,
    token,
    maxJobDuration,
    provider,
    wallet.address,
    resources,
    chainId
  )
  emit('initialize', { answer: initialized })
  const payment = initialized.payment
  const config = chainConfig(options, chainId, payment.escrowAddress)

  // the order, for the environment's consumerAddress, with the provider's signed fee
  const datatoken = new Datatoken(wallet, chainId, config)
  const providerFee = initialized.datasets[0].providerFee
  const order = await mined(
    await datatoken.startOrder(
      required(options, 'datatoken'),
      environment.consumerAddress,
      Number(options['service-index'] ?? 0),
      providerFee
    )
  )
  emit('order', { transactionHash: order.hash, status: order.status })

  // the escrow: approve, deposit, authorize the payee (the environment's consumerAddress)
  const escrow = new EscrowContract(payment.escrowAddress, wallet, chainId, config)
  const deposit = required(options, 'deposit')
  await mined(await approve(wallet, config, wallet.address, token, payment.escrowAddress, deposit))
  await mined(await escrow.deposit(token, deposit))
  // ocean.js 8.6.2 scales all three authorize limits by the token's decimals (a decimals argument
  // of 0 counts as none), so the lock seconds and counts authorised are 10^18 times larger than
  // given: looser than meant, never tighter
  const authorized = await mined(
    await escrow.authorize(token, payment.payee, deposit, String(payment.minLockSeconds), '10')
  )
  emit('escrow-funded', {
    deposit,
    authorizeStatus: authorized.status,
    funds: await fundsOf(escrow, wallet, token),
    authorizations: safeJsonable(
      await escrow.getAuthorizations(token, wallet.address, payment.payee)
    )
  })

  const paidDatasets = datasets.map((d, i) =>
    i === 0 ? { ...d, transferTxId: order.hash } : d
  )
  const answer = await paidStart(
    provider,
    wallet,
    environment,
    paidDatasets,
    algorithm,
    options,
    token
  )
  emit('start', { environment: environment.id, answer, logged: takeLogged() })
  const started = firstJob(answer)
  if (!started || !started.jobId) {
    throw new Error(`computeStart returned no job: ${safeJson(answer)}`)
  }
  emit('locked', {
    funds: await fundsOf(escrow, wallet, token),
    locks: safeJsonable(await escrow.getLocks(token, wallet.address, payment.payee))
  })
  const job = await pollToEnd(provider, wallet, started.jobId, deadline)
  await downloadResults(provider, wallet, job)
  // the provider settles the lock once the job has ended: ask until it says so
  let settled = job
  while (!settled.payment || settled.payment.state === 'locked' || settled.payment.state === 'settling') {
    if (Date.now() > deadline) break
    await sleep(200)
    settled = await status(provider, wallet, started.jobId)
  }
  emit('settled', {
    job: settled,
    funds: await fundsOf(escrow, wallet, token),
    locks: safeJsonable(await escrow.getLocks(token, wallet.address, payment.payee))
  })

  // refused: the dataset's transferTxId is the deposit-free approve, no order
  const before = await fundsOf(escrow, wallet, token)
  const notAnOrder = paidDatasets.map((d, i) => (i === 0 ? { ...d, transferTxId: authorized.hash } : d))
  try {
    const refused = await paidStart(
      provider,
      wallet,
      environment,
      notAnOrder,
      algorithm,
      options,
      token
    )
    emit('refused-start', { threw: false, answer: refused, logged: takeLogged() })
  } catch (e) {
    emit('refused-start', { threw: true, ...errorFields(e) })
  }
  emit('after-refused', {
    before,
    funds: await fundsOf(escrow, wallet, token),
    locks: safeJsonable(await escrow.getLocks(token, wallet.address, payment.payee))
  })

  if (options['too-many-cpus']) {
    const greedy = resources.map((r) =>
      r.id === 'cpu' ? { ...r, amount: Number(options['too-many-cpus']) } : r
    )
    try {
      const answer = await paidStart(
        provider,
        wallet,
        environment,
        paidDatasets,
        algorithm,
        { ...options, resources: JSON.stringify(greedy) },
        token
      )
      emit('unfunded-start', { threw: false, answer, logged: takeLogged() })
    } catch (e) {
      emit('unfunded-start', { threw: true, ...errorFields(e) })
    }
  }
}

// ocean.js's contract calls answer the sent transaction; wait until it is mined before the next
// one (ethers would otherwise reuse the pending nonce)
async function mined(sent) {
  return sent && typeof sent.wait === 'function' ? sent.wait() : sent
}

async function fundsOf(escrow, wallet, token) {
  const funds = await escrow.getUserFunds(wallet.address, token)
  return {
    available: String(funds.available ?? funds[0]),
    locked: String(funds.locked ?? funds[1]),
    availableTokens: formatUnits(funds.available ?? funds[0], 18)
  }
}

// ethers' Result objects (with BigInts) as plain JSON
function safeJsonable(value) {
  return JSON.parse(
    JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? v.toString() : v))
  )
}

async function main() {
  let parsed
  try {
    parsed = parseArgs(process.argv.slice(2))
    required(parsed.options, 'provider')
  } catch (e) {
    process.stderr.write(`${e.message}\n`)
    process.exitCode = 2
    return
  }
  const { flow, options } = parsed
  const provider = options.provider
  const deadline = Date.now() + 1000 * Number(options['timeout-seconds'] ?? 120)
  const flows = { environments, compute, stop, paid }
  if (!flows[flow]) {
    process.stderr.write(`unknown flow ${flow}; one of ${Object.keys(flows).join(', ')}\n`)
    process.exitCode = 2
    return
  }
  try {
    await flows[flow](provider, options, deadline)
    emit('done', { flow })
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`${e.message}\n`)
      process.exitCode = 2
      return
    }
    emit('error', { ...errorFields(e), stack: e instanceof Error ? e.stack : null })
    process.exitCode = 1
  }
}

await main()
