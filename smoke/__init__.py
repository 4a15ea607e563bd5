"""`python -m smoke <stack>`: proof that a deployed stack's Ollama and ComfyUI answer, and answer from the GPU.

Run after `pulumi up`. The URLs come from the stack's outputs (`pulumi stack output --json`) or from
`--ollama-url` / `--comfyui-url`; no request goes anywhere else. See docs/smoke.md.
"""
