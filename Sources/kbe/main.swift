import KldloadCore

print("kbe: not yet implemented")
