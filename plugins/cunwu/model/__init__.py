"""Model stage: typed, validated disclosures (pydantic, extra keys forbidden)."""
