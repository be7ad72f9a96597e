"""Test helpers: real servers, sample events and a small aggregate."""
