import ProcTraceCore
print(ProcTraceVersion.current)
