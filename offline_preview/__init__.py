"""The policy pack's verdict on a stack without a backend, a cluster or the Pulumi CLI.

`python -m offline_preview <stack>` runs the program under Pulumi's mocks with the stack file's
config and hands every resource it registers to the policy pack over the pack's Analyzer protocol,
as `pulumi preview --policy-pack policies` does. docs/pr-checks.md says what it stands in for.
"""
