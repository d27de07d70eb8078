print("tailkit")
