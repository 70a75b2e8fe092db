print("untrusted workspace")
