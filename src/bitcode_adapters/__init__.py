"""Adapters: one module or package per port implementation."""
