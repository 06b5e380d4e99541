"""Tests of the connections domain (v2 connections / v3 routes of the Exsited seed)."""
