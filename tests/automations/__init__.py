"""Tests of the automations domain (v2 connections / v3 routes of the Exsited seed)."""
