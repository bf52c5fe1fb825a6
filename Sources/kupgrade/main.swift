import KldloadCore

print("kupgrade: not yet implemented")
