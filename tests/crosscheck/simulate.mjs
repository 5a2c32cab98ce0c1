// Decides each case of the JSON file given as argument with @cloud-copilot/iam-simulate and
// prints the decisions as a JSON array, one per case in order: "Allowed", "ExplicitlyDenied",
// "ImplicitlyDenied", or "error: ..." when the simulator refuses the case.
//
// A case: {scps: [[policy document, ...] per level, root first], action, resource, principal,
// context: {key: value or [values]}}. Identity policies allow everything, so that only the SCPs
// decide, as orgctl's evaluator does.
import { readFileSync } from 'node:fs'
import { runSimulation } from '@cloud-copilot/iam-simulate'

const cases = JSON.parse(readFileSync(process.argv[2], 'utf8'))
const allowAll = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }
const out = []
for (const c of cases) {
  const account = c.principal.split(':')[4]
  const simulation = {
    identityPolicies: [{ name: 'allow-all', policy: allowAll }],
    serviceControlPolicies: c.scps.map((level, i) => ({
      orgIdentifier: `level-${i}`,
      policies: level.map((policy, j) => ({ name: `scp-${i}-${j}`, policy })),
    })),
    resourceControlPolicies: [],
    request: {
      action: c.action,
      principal: c.principal,
      resource: { resource: c.resource, accountId: account },
      contextVariables: c.context,
    },
  }
  try {
    const response = await runSimulation(simulation, {})
    if (response.resultType === 'error') {
      out.push(`error: ${JSON.stringify(response.errors).slice(0, 300)}`)
    } else {
      out.push(response.overallResult)
    }
  } catch (e) {
    out.push(`error: ${String(e).slice(0, 300)}`)
  }
}
process.stdout.write(JSON.stringify(out))
