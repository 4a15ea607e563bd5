"""Policies for GPU workloads on Kubernetes, as the homelab-ai-gpu policy pack runs them.

    readers.py      reading values out of resources, and the counts found there
    protocol.py     what a rule reads from a pod template, whatever carries it
    manifests.py    pods written as Kubernetes objects
    charts.py       pods a Helm release renders from its values (a new chart goes here)
    dispatch.py     which resources carry pods, and which route traffic in
    pod_rules.py    one validator per rule over one pod template
    stack_rules.py  one validator per rule over every resource of the stack
    config.py       the options a stack can set, their schema and defaults
    names.py        the pack's policy names and option keys, import-free
    pack.py         the validators as the pack's policies
"""
