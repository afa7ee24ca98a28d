"""Conversation analytics: the collector, the measures and the monthly デジタルデバイド対策レポート."""
